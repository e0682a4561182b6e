#include "attention_ops.hpp"

#include <algorithm>
#include <cmath>

namespace attnscope::model {

bool variant_trainable(VariantKind kind) {
    switch (kind) {
        case VariantKind::Dpa:
        case VariantKind::Ssa:
        case VariantKind::Selective:
        case VariantKind::Lssa:
        case VariantKind::Lssar:
        case VariantKind::Ea:
            return true;
        default:
            return false;
    }
}

namespace {

using Index = Eigen::Index;

template <class T>
T sigmoid(T x) {
    return x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

template <class T>
T softplus(T x) {  // spec §5.1 stable form
    return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

template <class T>
T inv_sqrt_dim(const Mat<T>& q) {
    return T(1) / std::sqrt(T(q.cols()));
}

// [SECTION] shared row helpers ----------------------------------------------------------------------------------

// z: (n, n) logits -> w: causal softmax, zero above the diagonal (masked entries excluded from max and sum).
template <class T>
void causal_softmax(const Mat<T>& z, Mat<T>& w) {
    const Index n = z.rows();
    w.setZero(n, n);
    for (Index i = 0; i < n; ++i) {
        T mx = z(i, 0);
        for (Index j = 1; j <= i; ++j) mx = std::max(mx, z(i, j));
        T sum = 0;
        for (Index j = 0; j <= i; ++j) sum += (w(i, j) = std::exp(z(i, j) - mx));
        const T inv = T(1) / sum;
        for (Index j = 0; j <= i; ++j) w(i, j) *= inv;
    }
}

// Softmax backward: dz_ij = w_ij (dw_ij - sum_l w_il dw_il), j <= i.
template <class T>
void softmax_backward(const Mat<T>& w, const Mat<T>& dw, Mat<T>& dz) {
    const Index n = w.rows();
    dz.setZero(n, n);
    for (Index i = 0; i < n; ++i) {
        T dot = 0;
        for (Index j = 0; j <= i; ++j) dot += w(i, j) * dw(i, j);
        for (Index j = 0; j <= i; ++j) dz(i, j) = w(i, j) * (dw(i, j) - dot);
    }
}

// l1 row normalisation backward: w = a / sum(a) -> da_ij = (dw_ij - sum_l w_il dw_il) / sum_i(a).
template <class T>
void normalise_backward(const Mat<T>& w, const Mat<T>& dw, const Vec<T>& denom, Mat<T>& da) {
    const Index n = w.rows();
    da.setZero(n, n);
    for (Index i = 0; i < n; ++i) {
        T dot = 0;
        for (Index j = 0; j <= i; ++j) dot += w(i, j) * dw(i, j);
        for (Index j = 0; j <= i; ++j) da(i, j) = (dw(i, j) - dot) / denom(i);
    }
}

// dw restricted to the causal support: (do v^T)_ij for j <= i (the rest is never used).
template <class T>
Mat<T> weight_grad(const Mat<T>& dout, const Mat<T>& v) {
    return (dout * v.transpose()).template triangularView<Eigen::Lower>();
}

// [SECTION] dpa ---------------------------------------------------------------------------------------------------

template <class T>
void dpa_forward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, Mat<T>& o, HeadCache<T>& c) {
    const Mat<T> z = inv_sqrt_dim(q) * q * k.transpose();
    causal_softmax(z, c.w);
    o.noalias() = c.w * v;
}

template <class T>
void dpa_backward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const HeadCache<T>& c, const Mat<T>& dout,
                  Mat<T>& dq, Mat<T>& dk, Mat<T>& dv) {
    const T s = inv_sqrt_dim(q);
    Mat<T> dz;
    softmax_backward(c.w, weight_grad(dout, v), dz);
    dq.noalias() = s * dz * k;
    dk.noalias() = s * dz.transpose() * q;
    dv.noalias() = c.w.transpose() * dout;
}

// [SECTION] ssa (spec §2.3) -----------------------------------------------------------------------------------------

// tau(t) = 1 + sigmoid(alpha) ln(t+1) + tanh(w . x_t + b); returns tau and stores tanh(.) in th.
template <class T>
Vec<T> ssa_tau(const Mat<T>& x, T alpha, const T* w, T b, Vec<T>& th) {
    const Index n = x.rows();
    const T c = sigmoid(alpha);
    const Vec<T> u = x * Eigen::Map<const Vec<T>>(w, x.cols());
    th.resize(n);
    Vec<T> tau(n);
    for (Index t = 0; t < n; ++t) {
        th(t) = std::tanh(u(t) + b);
        tau(t) = T(1) + c * std::log(T(t + 1)) + th(t);
    }
    return tau;
}

// Chain rule from dtau to alpha, w, b and x (x's gradient is added to dx).
template <class T>
void ssa_tau_backward(const Mat<T>& x, T alpha, const T* w, const Vec<T>& th, const Vec<T>& dtau, T* dalpha,
                      T* dw, T* db, Mat<T>& dx) {
    const Index n = x.rows();
    const T c = sigmoid(alpha);
    T dc = 0;
    Vec<T> du(n);
    for (Index t = 0; t < n; ++t) {
        dc += dtau(t) * std::log(T(t + 1));
        du(t) = dtau(t) * (T(1) - th(t) * th(t));
    }
    *dalpha += dc * c * (T(1) - c);
    *db += du.sum();
    Eigen::Map<Vec<T>>(dw, x.cols()) += x.transpose() * du;
    dx.noalias() += du * Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(w, x.cols());
}

template <class T>
void ssa_forward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const SsaView<T>& p, Index h, Mat<T>& o,
                 HeadCache<T>& c) {
    const Index dh = q.cols();
    c.r1 = ssa_tau(q, p.alpha_q[h], p.w_q + h * dh, p.b_q[h], c.r3);
    c.r2 = ssa_tau(v, p.alpha_v[h], p.w_v + h * dh, p.b_v[h], c.r4);
    c.aux = inv_sqrt_dim(q) * q * k.transpose();
    const Mat<T> z = c.r1.asDiagonal() * c.aux;
    causal_softmax(z, c.w);
    o.noalias() = c.w * (c.r2.asDiagonal() * v);
}

template <class T>
void ssa_backward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const SsaView<T>& p, Index h,
                  const HeadCache<T>& c, const Mat<T>& dout, Mat<T>& dq, Mat<T>& dk, Mat<T>& dv, const SsaGrad<T>& g) {
    const Index n = q.rows(), dh = q.cols();
    const T s = inv_sqrt_dim(q);
    const Mat<T> vt = c.r2.asDiagonal() * v;
    const Mat<T> dvt = c.w.transpose() * dout;  // gradient of the temperature-scaled values
    dv = c.r2.asDiagonal() * dvt;
    const Vec<T> dtau_v = (dvt.array() * v.array()).rowwise().sum();
    Mat<T> dz;
    softmax_backward(c.w, weight_grad(dout, vt), dz);
    Vec<T> dtau_q(n);
    for (Index i = 0; i < n; ++i) dtau_q(i) = (dz.row(i).array() * c.aux.row(i).array()).sum();
    const Mat<T> db = c.r1.asDiagonal() * dz;
    dq.noalias() = s * db * k;
    dk.noalias() = s * db.transpose() * q;
    ssa_tau_backward(q, p.alpha_q[h], p.w_q + h * dh, c.r3, dtau_q, g.alpha_q + h, g.w_q + h * dh, g.b_q + h, dq);
    ssa_tau_backward(v, p.alpha_v[h], p.w_v + h * dh, c.r4, dtau_v, g.alpha_v + h, g.w_v + h * dh, g.b_v + h, dv);
}

// [SECTION] selective (spec §3.1; protect_bos, selection logits = head 0's) ---------------------------------------

// sigma: (n, n) head 0's logits -> F_ij = sum_{k=j+1}^{i-1} max(0, sigma_kj) over 0 < j < k.
template <class T>
Mat<T> selective_mask(const Mat<T>& sigma) {
    const Index n = sigma.rows();
    Mat<T> F = Mat<T>::Zero(n, n);
    for (Index j = 1; j < n; ++j)
        for (Index i = j + 2; i < n; ++i) F(i, j) = F(i - 1, j) + std::max(sigma(i - 1, j), T(0));
    return F;
}

template <class T>
void selective_forward(const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k, const std::vector<Mat<T>>& v,
                       std::vector<Mat<T>>& out, std::vector<HeadCache<T>>& cs) {
    const T s = inv_sqrt_dim(q[0]);
    cs[0].aux = s * q[0] * k[0].transpose();
    const Mat<T> F = selective_mask(cs[0].aux);
    for (std::size_t h = 0; h < q.size(); ++h) {
        const Mat<T> z = (h == 0 ? cs[0].aux : Mat<T>(s * q[h] * k[h].transpose())) - F;
        causal_softmax(z, cs[h].w);
        out[h].noalias() = cs[h].w * v[h];
    }
}

template <class T>
void selective_backward(const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k, const std::vector<Mat<T>>& v,
                        const std::vector<HeadCache<T>>& cs, const std::vector<Mat<T>>& dout,
                        std::vector<Mat<T>>& dq, std::vector<Mat<T>>& dk, std::vector<Mat<T>>& dv) {
    const Index n = q[0].rows();
    const T s = inv_sqrt_dim(q[0]);
    std::vector<Mat<T>> dzs(q.size());
    Mat<T> dF = Mat<T>::Zero(n, n);
    for (std::size_t h = 0; h < q.size(); ++h) {
        softmax_backward(cs[h].w, weight_grad(dout[h], v[h]), dzs[h]);
        dF -= dzs[h];
        dv[h].noalias() = cs[h].w.transpose() * dout[h];
    }
    // dS_kj = sum_{i > k} dF_ij (suffix sum down column j); dsigma = dS where the relu is active and 0 < j < k.
    const Mat<T>& sigma = cs[0].aux;
    for (Index j = 1; j < n; ++j) {
        T suffix = 0;
        for (Index kk = n - 1; kk > j; --kk) {
            if (kk + 1 < n) suffix += dF(kk + 1, j);
            if (sigma(kk, j) > T(0)) dzs[0](kk, j) += suffix;
        }
    }
    for (std::size_t h = 0; h < q.size(); ++h) {
        dq[h].noalias() = s * dzs[h] * k[h];
        dk[h].noalias() = s * dzs[h].transpose() * q[h];
    }
}

// [SECTION] lssa / lssar (spec §5.1; normalize_qk, log_d = dh, eps = 0) ------------------------------------------

template <class T>
Vec<T> row_norms(const Mat<T>& x) {
    return x.rowwise().norm();
}

template <class T>
Mat<T> normalised(const Mat<T>& x, const Vec<T>& norms) {
    Mat<T> y = x;
    for (Index r = 0; r < x.rows(); ++r) y.row(r) /= std::max(norms(r), T(kNormClamp));
    return y;
}

template <class T>
T lssa_lambda(Index dh, Index i) {
    return T(std::log(static_cast<double>(dh)) * std::log(static_cast<double>(i + 1)));
}

// Stage 1: A (n, n) into c.w (or into c.aux2 when stage 2 follows).
template <class T>
void lssa_stage1(const Mat<T>& q, const Mat<T>& k, HeadCache<T>& c, Mat<T>& A) {
    const Index n = q.rows(), dh = q.cols();
    c.r1 = row_norms(q);
    c.r2 = row_norms(k);
    c.aux = normalised(q, c.r1) * normalised(k, c.r2).transpose();
    A.setZero(n, n);
    c.r3.resize(n);
    for (Index i = 0; i < n; ++i) {
        const T lam = lssa_lambda<T>(dh, i);
        T sum = 0;
        for (Index j = 0; j <= i; ++j) sum += (A(i, j) = softplus(lam * c.aux(i, j)));
        c.r3(i) = sum;  // > 0: softplus is positive
        for (Index j = 0; j <= i; ++j) A(i, j) /= sum;
    }
}

// dA -> dq, dk through the normaliser, softplus, cosine and the vector normalisation.
template <class T>
void lssa_stage1_backward(const Mat<T>& q, const Mat<T>& k, const HeadCache<T>& c, const Mat<T>& A,
                          const Mat<T>& dA, Mat<T>& dq, Mat<T>& dk) {
    const Index n = q.rows(), dh = q.cols();
    Mat<T> da;
    normalise_backward(A, dA, c.r3, da);
    Mat<T> dcos = Mat<T>::Zero(n, n);
    for (Index i = 0; i < n; ++i) {
        const T lam = lssa_lambda<T>(dh, i);
        for (Index j = 0; j <= i; ++j) dcos(i, j) = da(i, j) * sigmoid(lam * c.aux(i, j)) * lam;
    }
    const Mat<T> qh = normalised(q, c.r1), kh = normalised(k, c.r2);
    const Mat<T> dqh = dcos * kh, dkh = dcos.transpose() * qh;
    auto unnormalise = [](const Mat<T>& xh, const Mat<T>& dxh, const Vec<T>& norms, Mat<T>& dx) {
        dx.resize(xh.rows(), xh.cols());
        for (Index r = 0; r < xh.rows(); ++r) {
            if (norms(r) > T(kNormClamp))
                dx.row(r) = (dxh.row(r) - xh.row(r) * xh.row(r).dot(dxh.row(r))) / norms(r);
            else
                dx.row(r) = dxh.row(r) / T(kNormClamp);
        }
    };
    unnormalise(qh, dqh, c.r1, dq);
    unnormalise(kh, dkh, c.r2, dk);
}

template <class T>
void lssa_forward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, Mat<T>& o, HeadCache<T>& c) {
    lssa_stage1(q, k, c, c.w);
    o.noalias() = c.w * v;
}

template <class T>
void lssa_backward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const HeadCache<T>& c, const Mat<T>& dout,
                   Mat<T>& dq, Mat<T>& dk, Mat<T>& dv) {
    dv.noalias() = c.w.transpose() * dout;
    lssa_stage1_backward(q, k, c, c.w, weight_grad(dout, v), dq, dk);
}

// x_ij = N_i A_ij - O_i, dead-zoned; w = x^p / sum x^p computed as exp(p (ln x - ln x_max)) (no overflow).
template <class T>
void lssar_forward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, Mat<T>& o, HeadCache<T>& c) {
    const Index n = q.rows();
    lssa_stage1(q, k, c, c.aux2);
    c.w.setZero(n, n);
    c.r4.setZero(n);
    for (Index i = 0; i < n; ++i) {
        const T N = T(i + 1), O = i < kLssarOffsetFreeRows ? T(0) : T(kLssarOffset);
        T xmax = 0;
        for (Index j = 0; j <= i; ++j) xmax = std::max(xmax, N * c.aux2(i, j) - O);
        if (!(xmax > T(kLssarDeadzone))) {  // every x dead-zoned: uniform row (spec §0)
            for (Index j = 0; j <= i; ++j) c.w(i, j) = T(1) / N;
            c.r4(i) = 1;
            continue;
        }
        const T lmax = std::log(xmax);
        T sum = 0;
        for (Index j = 0; j <= i; ++j) {
            const T x = N * c.aux2(i, j) - O;
            if (x > T(kLssarDeadzone)) sum += (c.w(i, j) = std::exp(T(kLssarP) * (std::log(x) - lmax)));
        }
        for (Index j = 0; j <= i; ++j) c.w(i, j) /= sum;
    }
    o.noalias() = c.w * v;
}

template <class T>
void lssar_backward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const HeadCache<T>& c, const Mat<T>& dout,
                    Mat<T>& dq, Mat<T>& dk, Mat<T>& dv) {
    const Index n = q.rows();
    dv.noalias() = c.w.transpose() * dout;
    const Mat<T> dw = weight_grad(dout, v);
    Mat<T> dA = Mat<T>::Zero(n, n);
    for (Index i = 0; i < n; ++i) {
        if (c.r4(i) != T(0)) continue;  // uniform fallback: constant in A
        const T N = T(i + 1), O = i < kLssarOffsetFreeRows ? T(0) : T(kLssarOffset);
        T dot = 0;
        for (Index j = 0; j <= i; ++j) dot += c.w(i, j) * dw(i, j);
        for (Index j = 0; j <= i; ++j) {
            const T x = N * c.aux2(i, j) - O;
            // d w_ij / d x_ij-path: w = x^p / Z -> dx_ij = p w_ij / x_ij (dw_ij - sum_l w_il dw_il)
            if (x > T(kLssarDeadzone)) dA(i, j) = N * T(kLssarP) * c.w(i, j) / x * (dw(i, j) - dot);
        }
    }
    lssa_stage1_backward(q, k, c, c.aux2, dA, dq, dk);
}

// [SECTION] ea (spec §6.1, form = bounded, scale = 1/sqrt(dh), eps = 0) -------------------------------------------

template <class T>
T ea_kernel(T s) {
    return std::abs(s) > T(1) ? T(1) / (T(1) + T(1) / (s * s)) : s * s / (T(1) + s * s);
}

template <class T>
void ea_forward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, Mat<T>& o, HeadCache<T>& c) {
    const Index n = q.rows();
    c.aux = inv_sqrt_dim(q) * q * k.transpose();
    c.w.setZero(n, n);
    c.r1.resize(n);
    for (Index i = 0; i < n; ++i) {
        T sum = 0;
        for (Index j = 0; j <= i; ++j) sum += (c.w(i, j) = ea_kernel(c.aux(i, j)));
        c.r1(i) = sum;
        for (Index j = 0; j <= i; ++j) c.w(i, j) = sum > T(0) ? c.w(i, j) / sum : T(1) / T(i + 1);
    }
    o.noalias() = c.w * v;
}

template <class T>
void ea_backward(const Mat<T>& q, const Mat<T>& k, const Mat<T>& v, const HeadCache<T>& c, const Mat<T>& dout,
                 Mat<T>& dq, Mat<T>& dk, Mat<T>& dv) {
    const Index n = q.rows();
    const T sc = inv_sqrt_dim(q);
    dv.noalias() = c.w.transpose() * dout;
    Vec<T> denom = c.r1;
    for (Index i = 0; i < n; ++i)
        if (!(denom(i) > T(0))) denom(i) = 1;  // uniform rows: their da is zeroed below
    Mat<T> de;
    normalise_backward(c.w, weight_grad(dout, v), denom, de);
    Mat<T> ds = Mat<T>::Zero(n, n);
    for (Index i = 0; i < n; ++i) {
        if (!(c.r1(i) > T(0))) continue;
        for (Index j = 0; j <= i; ++j) {
            const T s = c.aux(i, j), den = T(1) + s * s;
            ds(i, j) = de(i, j) * T(2) * s / (den * den);  // d/ds s^2/(1+s^2)
        }
    }
    dq.noalias() = sc * ds * k;
    dk.noalias() = sc * ds.transpose() * q;
}

}  // namespace

// [SECTION] dispatch ------------------------------------------------------------------------------------------------

template <class T>
void attention_forward(VariantKind kind, const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k,
                       const std::vector<Mat<T>>& v, const SsaView<T>* ssa, std::vector<Mat<T>>& out,
                       AttentionCache<T>* cache) {
    const std::size_t H = q.size();
    out.resize(H);
    AttentionCache<T> local;
    AttentionCache<T>& c = cache ? *cache : local;
    c.heads.resize(H);
    if (kind == VariantKind::Selective) {
        selective_forward(q, k, v, out, c.heads);
        return;
    }
    for (std::size_t h = 0; h < H; ++h) {
        switch (kind) {
            case VariantKind::Dpa: dpa_forward(q[h], k[h], v[h], out[h], c.heads[h]); break;
            case VariantKind::Ssa: ssa_forward(q[h], k[h], v[h], *ssa, Index(h), out[h], c.heads[h]); break;
            case VariantKind::Lssa: lssa_forward(q[h], k[h], v[h], out[h], c.heads[h]); break;
            case VariantKind::Lssar: lssar_forward(q[h], k[h], v[h], out[h], c.heads[h]); break;
            case VariantKind::Ea: ea_forward(q[h], k[h], v[h], out[h], c.heads[h]); break;
            default: throw std::logic_error("attention_forward: variant is not trainable");
        }
    }
}

template <class T>
void attention_backward(VariantKind kind, const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k,
                        const std::vector<Mat<T>>& v, const SsaView<T>* ssa, const AttentionCache<T>& cache,
                        const std::vector<Mat<T>>& dout, std::vector<Mat<T>>& dq, std::vector<Mat<T>>& dk,
                        std::vector<Mat<T>>& dv, const SsaGrad<T>* dssa) {
    const std::size_t H = q.size();
    dq.resize(H);
    dk.resize(H);
    dv.resize(H);
    if (kind == VariantKind::Selective) {
        selective_backward(q, k, v, cache.heads, dout, dq, dk, dv);
        return;
    }
    for (std::size_t h = 0; h < H; ++h) {
        const HeadCache<T>& c = cache.heads[h];
        switch (kind) {
            case VariantKind::Dpa: dpa_backward(q[h], k[h], v[h], c, dout[h], dq[h], dk[h], dv[h]); break;
            case VariantKind::Ssa:
                ssa_backward(q[h], k[h], v[h], *ssa, Index(h), c, dout[h], dq[h], dk[h], dv[h], *dssa);
                break;
            case VariantKind::Lssa: lssa_backward(q[h], k[h], v[h], c, dout[h], dq[h], dk[h], dv[h]); break;
            case VariantKind::Lssar: lssar_backward(q[h], k[h], v[h], c, dout[h], dq[h], dk[h], dv[h]); break;
            case VariantKind::Ea: ea_backward(q[h], k[h], v[h], c, dout[h], dq[h], dk[h], dv[h]); break;
            default: throw std::logic_error("attention_backward: variant is not trainable");
        }
    }
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                                     \
    template void attention_forward<T>(VariantKind, const std::vector<Mat<T>>&, const std::vector<Mat<T>>&,         \
                                       const std::vector<Mat<T>>&, const SsaView<T>*, std::vector<Mat<T>>&,         \
                                       AttentionCache<T>*);                                                         \
    template void attention_backward<T>(VariantKind, const std::vector<Mat<T>>&, const std::vector<Mat<T>>&,        \
                                        const std::vector<Mat<T>>&, const SsaView<T>*, const AttentionCache<T>&,    \
                                        const std::vector<Mat<T>>&, std::vector<Mat<T>>&, std::vector<Mat<T>>&,     \
                                        std::vector<Mat<T>>&, const SsaGrad<T>*);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::model
