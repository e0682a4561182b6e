// value_aware.cpp — value-aware approximate attention (Gupta & Berant, spec §4.2): kernel attention (va_exact),
// its value-oblivious top-r approximation (va_oblivious) and the value-aware r-sparse convex fit (va_aware).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/numerics.hpp"
#include "core/reference/convex_fit.hpp"
#include "core/reference/row_ops.hpp"
#include "core/reference/variants.hpp"

namespace attnscope::reference::detail {
namespace {

template <class T>
T kernel_value(Kernel kernel, T x) {
    switch (kernel) {
        case Kernel::Relu: return std::max(x, T(0));
        case Kernel::Relu2: { const T y = std::max(x, T(0)); return y * y; }
        case Kernel::Softplus: return softplus(x);
        case Kernel::Elu1: return x > T(0) ? x + T(1) : std::exp(x);
        case Kernel::Square: return x * x;
        case Kernel::Exp: break;  // handled by the stable softmax
    }
    return x;
}

// p_i = kappa(s q_i.k_j) / sum_l kappa(s q_i.k_l) over the support, in place on the logits matrix.
template <class T>
void kernel_weights(Kernel kernel, const AttentionInput<T>& in, Mat<T>& w) {
    const Eigen::Index n = in.n();
    for (Eigen::Index i = 0; i < n; ++i) {
        T* row = &w(i, 0);
        const long m = in.support_end(i);
        if (kernel == Kernel::Exp) {
            stable_softmax(row, row, m, n);
        } else {
            for (long j = 0; j < m; ++j) row[j] = kernel_value(kernel, row[j]);
            normalise_nonneg(row, row, m, n);
        }
    }
}

// Top-r of p over the support (ties -> smaller j), renormalised or raw.
template <class T>
void top_r_row(const T* p, T* w, long m, long n, int r, bool renorm) {
    std::vector<long> order(m);
    std::iota(order.begin(), order.end(), 0L);
    const long keep = std::min<long>(r, m);
    std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                      [&](long a, long b) { return p[a] != p[b] ? p[a] > p[b] : a < b; });
    std::fill(w, w + n, T(0));
    std::vector<T> vals(keep);
    for (long t = 0; t < keep; ++t) vals[t] = p[order[t]];
    if (renorm) normalise_nonneg(vals.data(), vals.data(), keep, keep);
    for (long t = 0; t < keep; ++t) w[order[t]] = vals[t];
}

}  // namespace

template <class T>
void run_value_aware(VariantKind kind, const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    const double scale = p.resolved_scale(in.d());
    Mat<T> exact = scaled_logits(in.q, in.k, scale);
    kernel_weights(p.kernel, in, exact);

    const double base = p.baseline_temperature(in.d());
    r.temperature.assign(n, kind == VariantKind::VaExact && p.kernel == Kernel::Exp ? base : kUndefined);
    if (kind == VariantKind::VaExact) {
        r.weights = std::move(exact);
        return;
    }

    Mat<T> exact_output(n, in.dv());
    exact_output.noalias() = exact * in.v;
    r.weights = Mat<T>::Zero(n, n);
    std::vector<Eigen::Index> support;
    for (Eigen::Index i = 0; i < n; ++i) {
        const long m = in.support_end(i);
        if (kind == VariantKind::VaOblivious) {
            top_r_row(&exact(i, 0), &r.weights(i, 0), m, n, p.r, p.renorm);
            continue;
        }
        support.resize(m);
        std::iota(support.begin(), support.end(), Eigen::Index{0});
        const T* target = &exact_output(i, 0);
        const ConvexFit<T> fit = p.solver == Solver::Exact ? best_convex_exact(in.v, target, support, p.r)
                                                           : best_convex_greedy(in.v, target, support, p.r);
        for (std::size_t a = 0; a < fit.support.size(); ++a) r.weights(i, fit.support[a]) = fit.beta[a];
    }
    r.extras.exact_weights = std::move(exact);
    r.extras.exact_output = std::move(exact_output);
}

template void run_value_aware<float>(VariantKind, const AttentionInput<float>&, const VariantParams&,
                                     AttentionResult<float>&);
template void run_value_aware<double>(VariantKind, const AttentionInput<double>&, const VariantParams&,
                                      AttentionResult<double>&);

}  // namespace attnscope::reference::detail
