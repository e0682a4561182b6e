#include "tensor_ops.hpp"

#include <cmath>

namespace attnscope::model {

// ---- linear ----------------------------------------------------------------------------------------------------
template <class T>
void linear_forward(const Mat<T>& x, MapC<T> w, const T* b, Mat<T>& y) {
    y.noalias() = x * w;
    if (b) y.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(b, w.cols());
}

template <class T>
void linear_backward(const Mat<T>& x, MapC<T> w, const Mat<T>& dy, Mat<T>* dx, MapM<T> dw, T* db) {
    if (dx) dx->noalias() = dy * w.transpose();
    dw.noalias() += x.transpose() * dy;
    if (db) Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(db, dy.cols()) += dy.colwise().sum();
}

// ---- layer norm ------------------------------------------------------------------------------------------------
template <class T>
void layernorm_forward(const Mat<T>& x, const T* g, const T* b, Mat<T>& y, LayerNormCache<T>* cache) {
    const Eigen::Index N = x.rows(), D = x.cols();
    y.resize(N, D);
    if (cache) {
        cache->xhat.resize(N, D);
        cache->rstd.resize(N);
    }
    for (Eigen::Index r = 0; r < N; ++r) {
        const T mean = x.row(r).mean();
        const T var = (x.row(r).array() - mean).square().mean();
        const T rstd = T(1) / std::sqrt(var + T(kLayerNormEps));
        for (Eigen::Index c = 0; c < D; ++c) {
            const T xh = (x(r, c) - mean) * rstd;
            if (cache) cache->xhat(r, c) = xh;
            y(r, c) = xh * g[c] + b[c];
        }
        if (cache) cache->rstd(r) = rstd;
    }
}

template <class T>
void layernorm_backward(const Mat<T>& dy, const T* g, const LayerNormCache<T>& cache, Mat<T>& dx, T* dg, T* db) {
    const Eigen::Index N = dy.rows(), D = dy.cols();
    dx.resize(N, D);
    for (Eigen::Index r = 0; r < N; ++r) {
        T mean_d = 0, mean_dx = 0;
        for (Eigen::Index c = 0; c < D; ++c) {
            const T dxh = dy(r, c) * g[c];
            mean_d += dxh;
            mean_dx += dxh * cache.xhat(r, c);
            dg[c] += dy(r, c) * cache.xhat(r, c);
            db[c] += dy(r, c);
        }
        mean_d /= T(D);
        mean_dx /= T(D);
        for (Eigen::Index c = 0; c < D; ++c)
            dx(r, c) = cache.rstd(r) * (dy(r, c) * g[c] - mean_d - cache.xhat(r, c) * mean_dx);
    }
}

// ---- GELU ------------------------------------------------------------------------------------------------------
namespace {
constexpr double kGeluC = 0.7978845608028654;  // sqrt(2/pi)
constexpr double kGeluA = 0.044715;
}  // namespace

template <class T>
void gelu_forward(const Mat<T>& x, Mat<T>& y) {
    y = x.unaryExpr([](T v) { return T(0.5) * v * (T(1) + std::tanh(T(kGeluC) * (v + T(kGeluA) * v * v * v))); });
}

// d/dx [0.5 x (1 + tanh u)] = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u',  u = c (x + a x^3), u' = c (1 + 3 a x^2)
template <class T>
void gelu_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>& dx) {
    dx = x.binaryExpr(dy, [](T v, T g) {
        const T th = std::tanh(T(kGeluC) * (v + T(kGeluA) * v * v * v));
        const T du = T(kGeluC) * (T(1) + T(3 * kGeluA) * v * v);
        return g * (T(0.5) * (T(1) + th) + T(0.5) * v * (T(1) - th * th) * du);
    });
}

// ---- RoPE ------------------------------------------------------------------------------------------------------
namespace {
template <class T>
void rope_rotate(Mat<T>& x, int offset, double sign) {
    const Eigen::Index n = x.rows(), dh = x.cols();
    for (Eigen::Index i = 0; i + 1 < dh; i += 2) {
        const double theta = std::pow(kRopeBase, -static_cast<double>(i) / static_cast<double>(dh));
        for (Eigen::Index t = 0; t < n; ++t) {
            const double a = sign * static_cast<double>(t + offset) * theta;
            const T c = T(std::cos(a)), s = T(std::sin(a));
            const T x0 = x(t, i), x1 = x(t, i + 1);
            x(t, i) = x0 * c - x1 * s;
            x(t, i + 1) = x0 * s + x1 * c;
        }
    }
}
}  // namespace

template <class T>
void rope_forward(Mat<T>& x, int offset) {
    rope_rotate(x, offset, 1.0);
}
template <class T>
void rope_backward(Mat<T>& dx, int offset) {
    rope_rotate(dx, offset, -1.0);
}

// ---- embeddings ------------------------------------------------------------------------------------------------
template <class T>
void embed_forward(std::span<const int> tokens, int n, MapC<T> tok, const MapC<T>* pos, Mat<T>& x) {
    const Eigen::Index R = static_cast<Eigen::Index>(tokens.size());
    x.resize(R, tok.cols());
    for (Eigen::Index r = 0; r < R; ++r) {
        x.row(r) = tok.row(tokens[r]);
        if (pos) x.row(r) += pos->row(r % n);
    }
}

template <class T>
void embed_backward(std::span<const int> tokens, int n, const Mat<T>& dx, MapM<T> dtok, MapM<T>* dpos) {
    for (Eigen::Index r = 0; r < dx.rows(); ++r) {
        dtok.row(tokens[r]) += dx.row(r);
        if (dpos) dpos->row(r % n) += dx.row(r);
    }
}

// ---- cross-entropy ---------------------------------------------------------------------------------------------
template <class T>
double cross_entropy(const Mat<T>& logits, std::span<const int> targets, T scale, Mat<T>* dlogits, int* correct) {
    const Eigen::Index R = logits.rows(), V = logits.cols();
    if (dlogits) dlogits->resize(R, V);
    double loss = 0.0;
    int right = 0;
    for (Eigen::Index r = 0; r < R; ++r) {
        Eigen::Index arg = 0;
        const T mx = logits.row(r).maxCoeff(&arg);
        double z = 0.0;
        for (Eigen::Index c = 0; c < V; ++c) z += std::exp(static_cast<double>(logits(r, c) - mx));
        const double lse = static_cast<double>(mx) + std::log(z);
        loss += lse - static_cast<double>(logits(r, targets[r]));
        if (arg == targets[r]) ++right;
        if (dlogits) {
            for (Eigen::Index c = 0; c < V; ++c)
                (*dlogits)(r, c) = scale * T(std::exp(static_cast<double>(logits(r, c)) - lse));
            (*dlogits)(r, targets[r]) -= scale;
        }
    }
    if (correct) *correct = right;
    return loss;
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                                     \
    template void linear_forward<T>(const Mat<T>&, MapC<T>, const T*, Mat<T>&);                                     \
    template void linear_backward<T>(const Mat<T>&, MapC<T>, const Mat<T>&, Mat<T>*, MapM<T>, T*);                  \
    template void layernorm_forward<T>(const Mat<T>&, const T*, const T*, Mat<T>&, LayerNormCache<T>*);             \
    template void layernorm_backward<T>(const Mat<T>&, const T*, const LayerNormCache<T>&, Mat<T>&, T*, T*);        \
    template void gelu_forward<T>(const Mat<T>&, Mat<T>&);                                                          \
    template void gelu_backward<T>(const Mat<T>&, const Mat<T>&, Mat<T>&);                                          \
    template void rope_forward<T>(Mat<T>&, int);                                                                    \
    template void rope_backward<T>(Mat<T>&, int);                                                                   \
    template void embed_forward<T>(std::span<const int>, int, MapC<T>, const MapC<T>*, Mat<T>&);                    \
    template void embed_backward<T>(std::span<const int>, int, const Mat<T>&, MapM<T>, MapM<T>*);                   \
    template double cross_entropy<T>(const Mat<T>&, std::span<const int>, T, Mat<T>*, int*);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::model
