// conformance.hpp — a float result against reference::attend<double>, every number inside a bound derived from
// float rounding (STYLE.md §4). Shared by row_math_test (the GPU path's maths on the CPU) and cuda_conformance_test.
//
// How the bounds are derived (u = 2^-24, the float unit roundoff; gamma_k = k u / (1 - k u)):
//  1. Inputs are float numbers on both sides (the double reference gets the float values), so only arithmetic
//     error counts.
//  2. Logits. A float dot product of length d, in any order (cuBLAS or a loop), is off by at most
//     gamma_d sum_c |q_ic k_jc| = gamma_d A_ij (Higham, Accuracy and Stability, §3.1). The scale multiply, SSA's tau
//     and the float rounding of the scale add a few u |x|:  delta_ij = |s| gamma_{d+3} A_ij + 2 u |x_ij|.
//     Selective adds the error of F_ij = sum_{j<k<i} S_kj: each S_kj is off by |s_sel| gamma_{d+3} A_kj (relu is
//     1-Lipschitz), the double accumulation adds nothing at float scale, the float store 2 u F. LSSA works on
//     cosines: delta = |lambda| (gamma_{d+2} A_ij + 4 u |g_ij|) / (|q_i| |k_j|) + 2 u |x|.
//  3. Element map. Each weight is phi(x_j) / (sum_l phi(x_l) + eps) with phi monotone in x or |x| (exp, relu,
//     relu^2, softplus, elu+1, x^2, s^2/(1+s^2)). With x_j in [x_j - delta_j, x_j + delta_j], phi_j lies in an
//     interval [lo_j, hi_j]; the evaluation of phi in float adds a relative 4-6 u (exp: also u |x_j - max|, the
//     rounding of the shifted argument).
//  4. Normalisation. w_j = phi_j / (phi_j + R_j + eps) increases in phi_j and decreases in R_j = sum_{l != j}
//     phi_l, so w_j lies in [lo_j / (lo_j + S_hi - hi_j + eps), hi_j / (hi_j + S_lo - lo_j + eps)], times
//     (1 -+ 3 u) for the division. A row whose phi are all exactly 0 is the exact uniform row (spec §0).
//  5. LSSAR composes 3-4 twice: A_j from LSSA, then x = N A - O (dead-zone), r = (x / x_max)^p with x_max from the
//     same intervals, evaluated in log space (relative p u (|ln(x / x_max)| + 2)).
//  6. Top-r (va_oblivious): the reference's set must be unambiguous under the intervals (every kept lower bound
//     above every dropped upper bound), else the row is skipped and counted; then 4 over the kept set.
//  7. va_aware solves a least-squares problem whose conditioning the intervals do not see; its bound is taken from
//     how far reference::attend<float> drifts from the double reference on the same problem (FlashAttention's
//     tests judge a kernel by a baseline's own error): 8x that drift plus 256 u.
//  8. Outputs: |do_ic| <= sum_j B_j |v_jc| + gamma_{n+2} sum_j w_j |v_jc| (B_j the weight bound; the PV GEMM sums
//     n terms). Metrics from the weights' bounds: |dp_j| <= (B_j + p_j sum B) / (tot - sum B); entropy by the
//     interval of -p ln p; participation ratio through sum p^2; max weight and top-k mass are 1-Lipschitz in the
//     sup norm (times k); Gini is ((m-1)/m)-Lipschitz in l1. Counts must match exactly unless a reference p lies
//     within its bound of the threshold (then the row's counts are skipped).
//  Every bound is then doubled: the analysis is first order, and expf/logf may differ by an ulp between libraries.
//  Metrics get an absolute floor of 64 u (times max(1, |value|)): they are computed in double from float weights,
//  but the entropy's logs of the weights are float (relative u per term, so |dH| <= u (H + 1)).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "core/numerics.hpp"
#include "core/reference/attend.hpp"
#include "core/variant_params.hpp"

namespace attnscope::gputest {

inline constexpr double kU = 0x1p-24;
inline double gamma_k(double k) { return k * kU / (1.0 - k * kU); }
inline constexpr double kSafety = 2.0;
// Below the smallest normal float a weight has no relative precision left (denormals, then underflow to 0 from
// expf and the division): an absolute floor of 4 * 2^-126 on every weight.
inline constexpr double kTiny = 4.0 * 0x1p-126;

struct ConfCase {
    std::string name;
    VariantKind kind = VariantKind::Dpa;
    VariantParams params;
    int n = 8, d = 4, dv = 3;
    bool causal = true;
    std::uint64_t seed = 1;
    double qk_sigma = 1.0;  // q, k entries ~ N(0, sigma^2): larger -> sharper rows, larger logits
};

inline std::ostream& operator<<(std::ostream& os, const ConfCase& c) {
    return os << c.name << " (" << variant_name(c.kind) << ", n=" << c.n << ", d=" << c.d << ", dv=" << c.dv
              << (c.causal ? ", causal" : ", non-causal") << ", seed=" << c.seed << ")";
}

// Q, K, V drawn in double and rounded to float, so the double reference and the float backend see the same numbers.
inline AttentionInput<double> make_input(const ConfCase& c) {
    std::mt19937_64 rng(c.seed * 0x9E3779B97F4A7C15ull + 777);
    std::normal_distribution<double> g(0.0, 1.0);
    AttentionInput<double> in;
    in.q.resize(c.n, c.d);
    in.k.resize(c.n, c.d);
    in.v.resize(c.n, c.dv);
    auto f = [](double x) { return static_cast<double>(static_cast<float>(x)); };
    for (Eigen::Index i = 0; i < c.n; ++i)
        for (Eigen::Index a = 0; a < c.d; ++a) in.q(i, a) = f(c.qk_sigma * g(rng));
    for (Eigen::Index i = 0; i < c.n; ++i)
        for (Eigen::Index a = 0; a < c.d; ++a) in.k(i, a) = f(c.qk_sigma * g(rng));
    for (Eigen::Index i = 0; i < c.n; ++i)
        for (Eigen::Index a = 0; a < c.dv; ++a) in.v(i, a) = f(g(rng));
    in.causal = c.causal;
    return in;
}

// Weight intervals of one row (support entries only); `skip` when a discrete choice is ambiguous.
struct RowIntervals {
    std::vector<double> lo, hi;
    bool skip = false;
};

namespace detail {

inline double softplus_d(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

// phi over [x - dx, x + dx] for a non-exponential kernel (spec §4.2), widened by the float evaluation.
inline void kernel_interval(Kernel k, double x, double dx, double& lo, double& hi) {
    const double a = x - dx, b = x + dx;
    auto relu = [](double t) { return std::max(t, 0.0); };
    auto elu1 = [](double t) { return t > 0.0 ? t + 1.0 : std::exp(t); };
    switch (k) {
        case Kernel::Relu:
            lo = relu(a), hi = relu(b);
            break;
        case Kernel::Relu2:
            lo = relu(a) * relu(a), hi = relu(b) * relu(b);
            break;
        case Kernel::Softplus:
            lo = softplus_d(a), hi = softplus_d(b);
            break;
        case Kernel::Elu1:
            lo = elu1(a), hi = elu1(b);
            break;
        case Kernel::Square:
        default: {
            const double mn = (a <= 0.0 && b >= 0.0) ? 0.0 : std::min(std::abs(a), std::abs(b));
            const double mx = std::max(std::abs(a), std::abs(b));
            lo = mn * mn, hi = mx * mx;
            break;
        }
    }
    lo *= 1.0 - 6 * kU;
    hi *= 1.0 + 6 * kU;
}

// Step 4 of the derivation, in place: phi intervals -> weight intervals. n_support = m.
inline void normalise(std::vector<double>& lo, std::vector<double>& hi, double eps) {
    const std::size_t m = lo.size();
    double s_lo = 0.0, s_hi = 0.0;
    for (std::size_t j = 0; j < m; ++j) s_lo += lo[j], s_hi += hi[j];
    const double uni = 1.0 / static_cast<double>(m);
    for (std::size_t j = 0; j < m; ++j) {
        double wl, wh;
        if (s_hi + eps == 0.0) {
            wl = wh = uni;  // every phi exactly 0: the exact uniform row
        } else if (s_lo + eps == 0.0) {
            wl = 0.0, wh = 1.0;  // the uniform fallback is possible
        } else {
            wl = lo[j] / (lo[j] + (s_hi - hi[j]) + eps);
            const double den = hi[j] + (s_lo - lo[j]) + eps;
            wh = den > 0.0 ? std::min(1.0, hi[j] / den) : 1.0;
        }
        lo[j] = wl * (1.0 - 3 * kU);
        hi[j] = wh * (1.0 + 3 * kU);
    }
}

}  // namespace detail

// The bounds machinery of one problem: abs-dot products, logits and their error bounds.
class Bounds {
  public:
    Bounds(const ConfCase& c, const AttentionInput<double>& in, const AttentionResult<double>& ref)
        : m_c(c), m_in(in), m_ref(ref) {
        m_dots = in.q * in.k.transpose();
        m_abs = in.q.cwiseAbs() * in.k.cwiseAbs().transpose();
        if (c.kind == VariantKind::Selective) selective_prepare();
    }

    int support(int i) const { return m_c.causal ? i + 1 : m_c.n; }

    // Kernel weights p of row i (va_* and their exact_weights extra): intervals.
    RowIntervals kernel_row(int i) const {
        const double s = m_c.params.resolved_scale(m_c.d);
        RowIntervals r;
        const int m = support(i);
        r.lo.resize(m), r.hi.resize(m);
        std::vector<double> x(m), dx(m);
        for (int j = 0; j < m; ++j) {
            x[j] = s * m_dots(i, j);
            dx[j] = std::abs(s) * gamma_k(m_c.d + 3) * m_abs(i, j) + 2 * kU * std::abs(x[j]);
        }
        if (m_c.params.kernel == Kernel::Exp) return softmax(x, dx, {});
        for (int j = 0; j < m; ++j) detail::kernel_interval(m_c.params.kernel, x[j], dx[j], r.lo[j], r.hi[j]);
        detail::normalise(r.lo, r.hi, 0.0);
        return r;
    }

    // LSSA weights A of row i (lssa's weights, lssar's stage 1).
    RowIntervals lssa_row(int i) const {
        const VariantParams& p = m_c.params;
        const int m = support(i);
        const double lambda = std::log(p.resolved_log_d(m_c.d)) * std::log(static_cast<double>(m));
        const double nq = std::max(m_in.q.row(i).norm(), 1e-12);
        RowIntervals r;
        r.lo.resize(m), r.hi.resize(m);
        for (int j = 0; j < m; ++j) {
            const double nk = std::max(m_in.k.row(j).norm(), 1e-12);
            const double norm = p.normalize_qk ? nq * nk : 1.0;
            const double c = m_dots(i, j) / norm;
            const double x = lambda * c;
            const double dx =
                std::abs(lambda) * (gamma_k(m_c.d + 2) * m_abs(i, j) + 4 * kU * std::abs(m_dots(i, j))) / norm +
                2 * kU * std::abs(x);
            r.lo[j] = detail::softplus_d(x - dx) * (1 - 6 * kU);
            r.hi[j] = detail::softplus_d(x + dx) * (1 + 6 * kU);
        }
        detail::normalise(r.lo, r.hi, p.eps);
        return r;
    }

    // Weight intervals of row i of the case's variant (not va_aware: see baseline_row).
    RowIntervals weights_row(int i) const {
        const VariantParams& p = m_c.params;
        const int m = support(i);
        const double s = p.resolved_scale(m_c.d);
        switch (m_c.kind) {
            case VariantKind::Dpa:
            case VariantKind::Ssa: {
                const double se = m_c.kind == VariantKind::Ssa ? s * m_ref.extras.tau_q[i] : s;
                std::vector<double> x(m), dx(m);
                for (int j = 0; j < m; ++j) {
                    x[j] = se * m_dots(i, j);
                    dx[j] = std::abs(se) * gamma_k(m_c.d + 3) * m_abs(i, j) + 2 * kU * std::abs(x[j]);
                }
                return softmax(x, dx, {});
            }
            case VariantKind::Selective: {
                std::vector<double> x(m), dx(m);
                std::vector<char> kept(m, 1);
                bool ambiguous = false;
                for (int j = 0; j < m; ++j) {
                    const double f = m_ref.extras.sel_f(i, j);
                    const double df = m_df(i, j);
                    x[j] = s * m_dots(i, j) - f;
                    dx[j] = std::abs(s) * gamma_k(m_c.d + 3) * m_abs(i, j) + df + 2 * kU * std::abs(x[j]);
                    kept[j] = m_ref.extras.pruned(i, j) ? 0 : 1;
                    if (p.prune_threshold && j != i &&
                        std::abs(f - *p.prune_threshold) <= df + 2 * kU * std::abs(*p.prune_threshold))
                        ambiguous = true;
                }
                RowIntervals r = softmax(x, dx, kept);
                r.skip = ambiguous;
                return r;
            }
            case VariantKind::VaExact:
                return kernel_row(i);
            case VariantKind::VaOblivious:
                return top_r(i);
            case VariantKind::Lssa:
                return lssa_row(i);
            case VariantKind::Lssar:
                return lssar_row(i);
            case VariantKind::Ea: {
                RowIntervals r;
                r.lo.resize(m), r.hi.resize(m);
                for (int j = 0; j < m; ++j) {
                    const double x = s * m_dots(i, j);
                    const double dx = std::abs(s) * gamma_k(m_c.d + 3) * m_abs(i, j) + 2 * kU * std::abs(x);
                    const double a = std::max(std::abs(x) - dx, 0.0), b = std::abs(x) + dx;
                    if (p.form == EaForm::Plain) {
                        r.lo[j] = a * a, r.hi[j] = b * b;  // (s / max|s|)^2 normalises like s^2
                    } else {
                        r.lo[j] = a * a / (1 + a * a), r.hi[j] = b * b / (1 + b * b);
                    }
                    r.lo[j] *= 1 - 6 * kU;
                    r.hi[j] *= 1 + 6 * kU;
                }
                double eps = p.eps;
                if (p.form == EaForm::Plain) {  // the plain form's eps is relative to max|s|^2, same ratio
                    double amax = 0.0;
                    for (int j = 0; j < m; ++j) amax = std::max(amax, std::abs(s * m_dots(i, j)));
                    eps = amax > 0.0 ? p.eps : 0.0;
                }
                detail::normalise(r.lo, r.hi, eps);
                return r;
            }
            default:
                return {};
        }
    }

    // Selective's F: |dF_ij| (before the safety factor).
    double f_error(int i, int j) const { return m_df(i, j) + 2 * kU * std::abs(m_ref.extras.sel_f(i, j)); }
    double s_error(int k, int j) const {
        const double ss = std::abs(m_c.params.resolved_sel_scale(m_c.d));
        return ss * gamma_k(m_c.d + 3) * m_abs_sel(k, j) + 2 * kU * std::abs(m_ref.extras.sel_s(k, j));
    }

  private:
    RowIntervals softmax(const std::vector<double>& x, const std::vector<double>& dx,
                         const std::vector<char>& kept) const {
        const int m = static_cast<int>(x.size());
        double mx = -std::numeric_limits<double>::infinity();
        for (int j = 0; j < m; ++j)
            if (kept.empty() || kept[j]) mx = std::max(mx, x[j]);
        RowIntervals r;
        r.lo.assign(m, 0.0), r.hi.assign(m, 0.0);
        for (int j = 0; j < m; ++j) {
            if (!kept.empty() && !kept[j]) continue;
            const double rho = kU * std::abs(x[j] - mx) + 4 * kU;
            r.lo[j] = std::exp(x[j] - mx - dx[j]) * (1 - rho);
            r.hi[j] = std::exp(x[j] - mx + dx[j]) * (1 + rho);
        }
        detail::normalise(r.lo, r.hi, 0.0);
        for (int j = 0; j < m; ++j)
            if (!kept.empty() && !kept[j]) r.lo[j] = r.hi[j] = 0.0;
        return r;
    }

    RowIntervals top_r(int i) const {
        const VariantParams& p = m_c.params;
        const int m = support(i);
        RowIntervals pr = kernel_row(i);
        std::vector<int> order(m);
        for (int j = 0; j < m; ++j) order[j] = j;
        const auto& pw = m_ref.extras.exact_weights;
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return pw(i, a) > pw(i, b); });
        const int r = std::min(p.r, m);
        RowIntervals out;
        out.lo.assign(m, 0.0), out.hi.assign(m, 0.0);
        double min_kept = std::numeric_limits<double>::infinity(), max_dropped = -1.0;
        for (int t = 0; t < m; ++t) {
            if (t < r)
                min_kept = std::min(min_kept, pr.lo[order[t]]);
            else
                max_dropped = std::max(max_dropped, pr.hi[order[t]]);
        }
        out.skip = !(min_kept > max_dropped);
        std::vector<double> lo(r), hi(r);
        for (int t = 0; t < r; ++t) lo[t] = pr.lo[order[t]], hi[t] = pr.hi[order[t]];
        if (p.renorm) detail::normalise(lo, hi, 0.0);
        for (int t = 0; t < r; ++t) out.lo[order[t]] = lo[t], out.hi[order[t]] = hi[t];
        return out;
    }

    RowIntervals lssar_row(int i) const {
        const VariantParams& p = m_c.params;
        const int m = support(i);
        const RowIntervals a = lssa_row(i);
        const double o = i < p.offset_free_rows ? 0.0 : p.offset;
        auto dead = [&](double x) { return x > p.deadzone ? x : 0.0; };
        std::vector<double> xl(m), xh(m);
        double xmax_lo = 0.0, xmax_hi = 0.0;
        for (int j = 0; j < m; ++j) {
            xl[j] = dead(m * a.lo[j] - o);
            xh[j] = dead(m * a.hi[j] - o);
            xmax_lo = std::max(xmax_lo, xl[j]);
            xmax_hi = std::max(xmax_hi, xh[j]);
        }
        RowIntervals r;
        r.lo.assign(m, 0.0), r.hi.assign(m, 1.0);
        if (xmax_hi <= 0.0) {  // every x at or below the dead-zone: the exact uniform row
            r.lo.assign(m, 1.0 / m * (1 - 3 * kU));
            r.hi.assign(m, 1.0 / m * (1 + 3 * kU));
            return r;
        }
        if (xmax_lo <= 0.0) return r;  // uniform or not: [0, 1]
        for (int j = 0; j < m; ++j) {
            const double rl = xl[j] > 0.0 ? std::pow(xl[j] / xmax_hi, p.p) : 0.0;
            const double rh = xh[j] > 0.0 ? std::min(1.0, std::pow(xh[j] / xmax_lo, p.p)) : 0.0;
            const double slack_l = xl[j] > 0.0 ? p.p * kU * (std::abs(std::log(xl[j] / xmax_hi)) + 2) + 4 * kU : 0.0;
            const double slack_h = xh[j] > 0.0 ? p.p * kU * (std::abs(std::log(xh[j] / xmax_lo)) + 2) + 4 * kU : 0.0;
            r.lo[j] = rl * (1 - slack_l);
            r.hi[j] = rh * (1 + slack_h);
        }
        detail::normalise(r.lo, r.hi, 0.0);
        return r;
    }

    void selective_prepare() {
        const VariantParams& p = m_c.params;
        const MatD sq = p.sel_q ? *p.sel_q : m_in.q;
        const MatD sk = p.sel_k ? *p.sel_k : m_in.k;
        m_abs_sel = sq.cwiseAbs() * sk.cwiseAbs().transpose();
        const int n = m_c.n;
        const double ss = std::abs(p.resolved_sel_scale(m_c.d));
        m_df = MatD::Zero(n, n);
        // dF_ij = sum_{j<k<i} |s_sel| gamma A_kj, as a running sum down each column
        for (int j = 0; j < n; ++j) {
            double run = 0.0;
            for (int i = 0; i < n; ++i) {
                m_df(i, j) = run;
                if (i > j) run += ss * gamma_k(m_c.d + 3) * m_abs_sel(i, j);
            }
        }
    }

    const ConfCase& m_c;
    const AttentionInput<double>& m_in;
    const AttentionResult<double>& m_ref;
    MatD m_dots, m_abs, m_abs_sel, m_df;
};

// Checks `got` against `ref`; adds one gtest failure (the first few numbers) per failing quantity. `float_ref` is
// reference::attend<float>'s result, used only for va_aware's baseline bound. Returns the number of skipped rows.
struct CheckOptions {
    bool weights = true, metrics = true, extras = true;
    int max_skipped_percent = 5;
};

inline int check_result(const ConfCase& c, const AttentionInput<double>& in, const AttentionResult<double>& ref,
                        const AttentionResult<float>* float_ref, const AttentionResult<float>& got,
                        const CheckOptions& opt = {}) {
    const int n = c.n, dv = c.dv;
    Bounds bounds(c, in, ref);
    int skipped = 0, failures = 0;
    // ATTNSCOPE_CONFORMANCE_VERBOSE=1 prints how much of its bound each quantity used (the bounds' tightness)
    static const bool verbose = std::getenv("ATTNSCOPE_CONFORMANCE_VERBOSE") != nullptr;
    double used_w = 0.0, used_o = 0.0, used_m = 0.0;
    auto fail = [&](const std::string& what, int i, int j, double g, double r, double b) {
        if (++failures > 8) return;
        ADD_FAILURE() << c << ": " << what << "(" << i << ", " << j << ") = " << g << ", reference " << r << ", bound "
                      << b;
    };
    // per-row weight bounds B_ij (support entries), used by the outputs and metrics
    std::vector<std::vector<double>> bw(n);
    std::vector<char> row_skipped(n, 0);
    for (int i = 0; i < n; ++i) {
        const int m = bounds.support(i);
        bw[i].assign(m, 0.0);
        if (c.kind == VariantKind::VaAware) {
            double drift = 0.0;
            bool same_support = true;
            for (int j = 0; j < m; ++j) {
                drift = std::max(drift, std::abs(float_ref->weights(i, j) - ref.weights(i, j)));
                same_support = same_support && ((float_ref->weights(i, j) != 0.0f) == (ref.weights(i, j) != 0.0));
            }
            for (int j = 0; j < m; ++j) bw[i][j] = 8 * drift + 256 * kU + kTiny;
            row_skipped[i] = same_support ? 0 : 1;
        } else {
            const RowIntervals r = bounds.weights_row(i);
            row_skipped[i] = r.skip ? 1 : 0;
            for (int j = 0; j < m; ++j)
                bw[i][j] = kSafety * std::max(r.hi[j] - ref.weights(i, j), ref.weights(i, j) - r.lo[j]) +
                           4 * kU * ref.weights(i, j) + kTiny;
        }
        skipped += row_skipped[i];
    }
    if (opt.weights) {
        EXPECT_EQ(got.weights.rows(), n) << c;
        EXPECT_EQ(got.weights.cols(), n) << c;
        if (got.weights.rows() == n && got.weights.cols() == n)
            for (int i = 0; i < n; ++i) {
                const int m = bounds.support(i);
                for (int j = m; j < n; ++j)
                    if (got.weights(i, j) != 0.0f) fail("weight off the support", i, j, got.weights(i, j), 0, 0);
                if (row_skipped[i]) continue;
                for (int j = 0; j < m; ++j) {
                    const double g = got.weights(i, j), r = ref.weights(i, j);
                    if (r == 0.0 && c.kind == VariantKind::Selective && ref.extras.pruned(i, j)) {
                        if (g != 0.0) fail("pruned weight", i, j, g, r, 0);
                        continue;
                    }
                    if (!(std::abs(g - r) <= bw[i][j])) fail("weight", i, j, g, r, bw[i][j]);
                    used_w = std::max(used_w, std::abs(g - r) / bw[i][j]);
                }
            }
    }
    // outputs: v~ = tau_v v for SSA
    for (int i = 0; i < n; ++i) {
        if (row_skipped[i]) continue;
        const int m = bounds.support(i);
        for (int e = 0; e < dv; ++e) {
            double b = 0.0, mag = 0.0;
            for (int j = 0; j < m; ++j) {
                const double tv = c.kind == VariantKind::Ssa ? ref.extras.tau_v[j] : 1.0;
                const double vv = std::abs(tv * in.v(j, e));
                b += bw[i][j] * vv;
                mag += std::abs(ref.weights(i, j)) * vv;
            }
            b = kSafety * (b + gamma_k(n + 4) * mag) + 1e-30;
            const double g = got.output(i, e), r = ref.output(i, e);
            if (!(std::abs(g - r) <= b)) fail("output", i, e, g, r, b);
            used_o = std::max(used_o, std::abs(g - r) / b);
        }
    }
    if (opt.metrics && !got.metrics.entropy.empty()) {
        const RowMetrics& gm = got.metrics;
        const RowMetrics& rm = ref.metrics;
        for (int i = 0; i < n; ++i) {
            if (row_skipped[i]) continue;
            const int m = bounds.support(i);
            if (!rm.defined(i)) {
                if (gm.support_size[i] != -1)
                    fail("metrics of a null row: support_size", i, 0, gm.support_size[i], -1, 0);
                continue;
            }
            double tot = 0.0, sb = 0.0, dmax = 0.0, dsum = 0.0, dh = 0.0, dssq = 0.0, ssq = 0.0;
            std::vector<double> pr(m), dp(m);
            for (int j = 0; j < m; ++j) tot += std::abs(ref.weights(i, j)), sb += bw[i][j];
            for (int j = 0; j < m; ++j) {
                pr[j] = std::abs(ref.weights(i, j)) / tot;
                dp[j] = (bw[i][j] + pr[j] * sb) / std::max(tot - sb, tot * 0.5);
                dmax = std::max(dmax, dp[j]);
                dsum += dp[j];
                auto h = [](double p) { return p > 0.0 ? -p * std::log(p) : 0.0; };
                const double lo = std::max(pr[j] - dp[j], 0.0), hi = std::min(pr[j] + dp[j], 1.0);
                double dhj = std::max(std::abs(h(lo) - h(pr[j])), std::abs(h(hi) - h(pr[j])));
                if (lo < 1 / M_E && hi > 1 / M_E) dhj = std::max(dhj, h(1 / M_E) - h(pr[j]));
                dh += dhj;
                dssq += 2 * pr[j] * dp[j] + dp[j] * dp[j];
                ssq += pr[j] * pr[j];
            }
            const double floor = 64 * kU;
            auto chk = [&](const char* name, double g, double r, double b) {
                b = kSafety * b + floor * std::max(1.0, std::abs(r));
                if (!(std::abs(g - r) <= b)) fail(std::string("metric ") + name, i, 0, g, r, b);
                used_m = std::max(used_m, std::abs(g - r) / b);
            };
            const int k = std::min(c.params.metrics_k, m);
            chk("entropy", gm.entropy[i], rm.entropy[i], dh);
            chk("entropy_normalised", gm.entropy_normalised[i], rm.entropy_normalised[i],
                m > 1 ? dh / std::log(static_cast<double>(m)) : 0.0);
            chk("effective_support", gm.effective_support[i], rm.effective_support[i],
                rm.effective_support[i] * (std::exp(dh) - 1));
            const double pr_rel = dssq / std::max(ssq - dssq, ssq * 0.5);
            chk("participation_ratio", gm.participation_ratio[i], rm.participation_ratio[i],
                rm.participation_ratio[i] * pr_rel);
            chk("spikiness", gm.spikiness[i], rm.spikiness[i], rm.spikiness[i] * pr_rel);
            chk("max_weight", gm.max_weight[i], rm.max_weight[i], dmax);
            chk("topk_mass", gm.topk_mass[i], rm.topk_mass[i], std::min(dsum, k * dmax));
            chk("gini", gm.gini[i], rm.gini[i], dsum);
            EXPECT_EQ(gm.support_size[i], rm.support_size[i]) << c << " row " << i;
            // counts: exact unless some p is within its bound of a threshold
            const double theta = c.params.metrics_threshold, uni = (1.0 / m) * (1.0 + 1e-6);
            bool near = false;
            for (int j = 0; j < m; ++j)
                near = near || std::abs(pr[j] - theta) <= kSafety * dp[j] + 1e-15 ||
                       std::abs(pr[j] - uni) <= kSafety * dp[j] + 1e-15;
            if (!near) {
                if (gm.count_above[i] != rm.count_above[i])
                    fail("count_above", i, 0, gm.count_above[i], rm.count_above[i], 0);
                if (gm.count_above_uniform[i] != rm.count_above_uniform[i])
                    fail("count_above_uniform", i, 0, gm.count_above_uniform[i], rm.count_above_uniform[i], 0);
            }
        }
    }
    // temperature: host-side double maths on both sides
    EXPECT_EQ(got.temperature.size(), static_cast<std::size_t>(n)) << c;
    for (int i = 0; i < n && i < static_cast<int>(got.temperature.size()); ++i) {
        const double g = got.temperature[i], r = ref.temperature[i];
        if (std::isnan(r) != std::isnan(g) || (!std::isnan(r) && std::abs(g - r) > 1e-12 * std::max(1.0, std::abs(r))))
            fail("temperature", i, 0, g, r, 1e-12);
    }
    if (opt.extras) {
        const auto& ge = got.extras;
        const auto& re = ref.extras;
        switch (c.kind) {
            case VariantKind::Ssa:
                for (int i = 0; i < n; ++i) {
                    if (std::abs(ge.tau_q[i] - re.tau_q[i]) > 1e-12)
                        fail("tau_q", i, 0, ge.tau_q[i], re.tau_q[i], 1e-12);
                    if (std::abs(ge.tau_v[i] - re.tau_v[i]) > 1e-12)
                        fail("tau_v", i, 0, ge.tau_v[i], re.tau_v[i], 1e-12);
                }
                break;
            case VariantKind::Selective:
                for (int i = 0; i < n; ++i)
                    for (int j = 0; j < n; ++j) {
                        const double bf = kSafety * bounds.f_error(i, j) + 1e-30;
                        if (!(std::abs(ge.sel_f(i, j) - re.sel_f(i, j)) <= bf))
                            fail("F", i, j, ge.sel_f(i, j), re.sel_f(i, j), bf);
                        const double bs = kSafety * bounds.s_error(i, j) + 1e-30;
                        if (!(std::abs(ge.sel_s(i, j) - re.sel_s(i, j)) <= bs))
                            fail("S", i, j, ge.sel_s(i, j), re.sel_s(i, j), bs);
                        if (ge.pruned(i, j) != re.pruned(i, j))
                            fail("pruned", i, j, ge.pruned(i, j), re.pruned(i, j), 0);
                    }
                break;
            case VariantKind::Lssa:
            case VariantKind::Lssar:
                for (int i = 0; i < n; ++i)
                    if (std::abs(ge.lambda[i] - re.lambda[i]) > 1e-12 * std::max(1.0, std::abs(re.lambda[i])))
                        fail("lambda", i, 0, ge.lambda[i], re.lambda[i], 1e-12);
                if (c.kind == VariantKind::Lssar)
                    for (int i = 0; i < n; ++i) {
                        const RowIntervals a = bounds.lssa_row(i);
                        for (int j = 0; j < bounds.support(i); ++j) {
                            const double r = re.lssa_weights(i, j);
                            const double b = kSafety * std::max(a.hi[j] - r, r - a.lo[j]) + 4 * kU * r + kTiny;
                            if (!(std::abs(ge.lssa_weights(i, j) - r) <= b))
                                fail("lssa_weights", i, j, ge.lssa_weights(i, j), r, b);
                        }
                    }
                break;
            case VariantKind::VaOblivious:
            case VariantKind::VaAware:
                for (int i = 0; i < n; ++i) {
                    const RowIntervals pk = bounds.kernel_row(i);
                    const int m = bounds.support(i);
                    std::vector<double> bp(m);
                    for (int j = 0; j < m; ++j) {
                        const double r = re.exact_weights(i, j);
                        bp[j] = kSafety * std::max(pk.hi[j] - r, r - pk.lo[j]) + 4 * kU * r + kTiny;
                        if (!(std::abs(ge.exact_weights(i, j) - r) <= bp[j]))
                            fail("exact_weights", i, j, ge.exact_weights(i, j), r, bp[j]);
                    }
                    double err_bound_sq = 0.0;
                    for (int e = 0; e < dv; ++e) {
                        double b = 0.0, mag = 0.0, bo = 0.0;
                        for (int j = 0; j < m; ++j) {
                            b += bp[j] * std::abs(in.v(j, e));
                            mag += re.exact_weights(i, j) * std::abs(in.v(j, e));
                            bo += bw[i][j] * std::abs(in.v(j, e));
                        }
                        b = kSafety * (b + gamma_k(n + 4) * mag) + 1e-30;
                        if (!(std::abs(ge.exact_output(i, e) - re.exact_output(i, e)) <= b))
                            fail("exact_output", i, e, ge.exact_output(i, e), re.exact_output(i, e), b);
                        err_bound_sq += (b + kSafety * bo + 1e-30) * (b + kSafety * bo + 1e-30);
                    }
                    if (!row_skipped[i] &&
                        !(std::abs(ge.error_l2[i] - re.error_l2[i]) <= std::sqrt(err_bound_sq) + 1e-12))
                        fail("error_l2", i, 0, ge.error_l2[i], re.error_l2[i], std::sqrt(err_bound_sq));
                }
                break;
            default:
                break;
        }
    }
    if (verbose)
        std::printf("%-40s bound used: weights %.3f outputs %.3f metrics %.3f, skipped rows %d\n", c.name.c_str(),
                    used_w, used_o, used_m, skipped);
    EXPECT_LE(skipped * 100, opt.max_skipped_percent * n + 100)
        << c << ": " << skipped << " rows skipped as ambiguous (top-r ties, thresholds, supports)";
    return skipped;
}

}  // namespace attnscope::gputest
