// lssa_ea.cpp — softplus attention with a length scale (LSSA), its power re-weighting (LSSAR) (spec §5.1), and
// expressive attention (EA, spec §6.1): the non-exponential variants.
#include <algorithm>
#include <cmath>

#include "core/numerics.hpp"
#include "core/reference/row_ops.hpp"
#include "core/reference/variants.hpp"

namespace attnscope::reference::detail {
namespace {

// Rows scaled to unit length, with the 1e-12 clamp (a zero vector stays zero: cosine 0).
template <class T>
Mat<T> unit_rows(const Mat<T>& x) {
    Mat<T> u = x;
    for (Eigen::Index i = 0; i < x.rows(); ++i) u.row(i) /= std::max(x.row(i).stableNorm(), static_cast<T>(1e-12));
    return u;
}

// The LSSAR dead-zone actually applied: the user's value, but never below the rounding noise of N*A - 1.
// A = a / sum(a) carries ~3 eps relative error with a compensated sum, so N*A - 1 on an exactly uniform row is
// noise of ~3 eps; 64 eps (1.4e-14 in double, 7.6e-6 in float) clears it. In double this never exceeds the
// spec's 1e-9, so the oracle's behaviour is unchanged; in float it keeps exactly uniform rows uniform.
template <class T>
double effective_deadzone(double deadzone) {
    return std::max(deadzone, 64.0 * epsilon_of<T>());
}

}  // namespace

// Stage 1 (LSSA): lambda_i = ln(log_d) ln(N_i); a_ij = softplus(lambda_i qhat_i.khat_j); A = a / (sum a + eps).
// Stage 2 (LSSAR): x_ij = N_i A_ij - O_i (O_i = 0 for i < offset_free_rows); x <= deadzone -> 0;
// w_ij = x_ij^p / sum x^p, computed as exp(p (ln x - ln x_max)) so x^15 never overflows float.
template <class T>
void run_lssa(VariantKind kind, const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    const Mat<T> qn = p.normalize_qk ? unit_rows(in.q) : in.q;
    const Mat<T> kn = p.normalize_qk ? unit_rows(in.k) : in.k;
    Mat<T> a = scaled_logits(qn, kn, 1.0);
    const double log_d = std::log(p.resolved_log_d(in.d()));
    r.extras.lambda.resize(n);
    r.temperature.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const long m = in.support_end(i);
        const double lambda = log_d * std::log(static_cast<double>(m));
        r.extras.lambda[i] = lambda;
        r.temperature[i] = lambda > 0.0 ? 1.0 / lambda : kUndefined;
        T* row = &a(i, 0);
        CompensatedSum<T> sum;
        for (long j = 0; j < m; ++j) {
            row[j] = softplus(static_cast<T>(lambda) * row[j]);
            sum.add(row[j]);
        }
        const T denom = sum.value() + static_cast<T>(p.eps);
        if (!(denom > T(0))) {
            uniform_row(row, m, n);
            continue;
        }
        for (long j = 0; j < m; ++j) row[j] /= denom;
        for (long j = m; j < n; ++j) row[j] = T(0);
    }
    if (kind == VariantKind::Lssa) {
        r.weights = std::move(a);
        return;
    }

    const T dead = static_cast<T>(effective_deadzone<T>(p.deadzone));
    r.weights.resize(n, n);
    std::vector<T> x(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const long m = in.support_end(i);
        const T offset = i < p.offset_free_rows ? T(0) : static_cast<T>(p.offset);
        T xmax = 0;
        for (long j = 0; j < m; ++j) {
            const T v = static_cast<T>(m) * a(i, j) - offset;
            x[j] = v > dead ? v : T(0);
            xmax = std::max(xmax, x[j]);
        }
        T* w = &r.weights(i, 0);
        if (!(xmax > T(0))) {
            uniform_row(w, m, n);
            continue;
        }
        const T log_max = std::log(xmax);
        for (long j = 0; j < m; ++j)
            x[j] = x[j] > T(0) ? std::exp(static_cast<T>(p.p) * (std::log(x[j]) - log_max)) : T(0);
        normalise_nonneg(x.data(), w, m, n);
    }
    r.extras.lssa_weights = std::move(a);
}

// s_ij = scale q_i.k_j; bounded: e = s^2/(1+s^2) (as 1/(1+1/s^2) for |s| > 1 so s^2 never overflows);
// plain: e = (s/max|s|)^2 with eps/max|s|^2 in the denominator; w = e / (sum e + eps), a zero row -> uniform.
template <class T>
void run_ea(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    r.weights = scaled_logits(in.q, in.k, p.resolved_scale(in.d()));
    r.temperature.assign(n, kUndefined);
    for (Eigen::Index i = 0; i < n; ++i) {
        const long m = in.support_end(i);
        T* row = &r.weights(i, 0);
        T extra = static_cast<T>(p.eps);
        if (p.form == EaForm::Bounded) {
            for (long j = 0; j < m; ++j) {
                const T s = row[j];
                row[j] = std::abs(s) > T(1) ? T(1) / (T(1) + T(1) / (s * s)) : (s * s) / (T(1) + s * s);
            }
        } else {
            T amax = 0;
            for (long j = 0; j < m; ++j) amax = std::max(amax, std::abs(row[j]));
            if (amax == T(0)) {
                uniform_row(row, m, n);
                continue;
            }
            for (long j = 0; j < m; ++j) {
                const T s = row[j] / amax;
                row[j] = s * s;
            }
            extra = static_cast<T>(p.eps / (static_cast<double>(amax) * static_cast<double>(amax)));
        }
        CompensatedSum<T> sum;
        for (long j = 0; j < m; ++j) sum.add(row[j]);
        const T denom = sum.value() + extra;
        if (!(denom > T(0))) {
            uniform_row(row, m, n);
            continue;
        }
        for (long j = 0; j < m; ++j) row[j] /= denom;
        for (long j = m; j < n; ++j) row[j] = T(0);
    }
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                                     \
    template void run_lssa<T>(VariantKind, const AttentionInput<T>&, const VariantParams&, AttentionResult<T>&); \
    template void run_ea<T>(const AttentionInput<T>&, const VariantParams&, AttentionResult<T>&);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::reference::detail
