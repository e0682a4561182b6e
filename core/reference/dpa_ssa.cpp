// dpa_ssa.cpp — softmax dot-product attention (spec §1) and Selective Self-Attention (spec §2.3).
#include <cmath>

#include "core/reference/row_ops.hpp"
#include "core/reference/variants.hpp"

namespace attnscope::reference::detail {

// w_i = softmax_{j in S_i}(s q_i.k_j); temperature (1/sqrt d)/s relative to the 1/sqrt(d) baseline.
template <class T>
void run_dpa(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    const double scale = p.resolved_scale(in.d());
    r.weights = scaled_logits(in.q, in.k, scale);
    for (Eigen::Index i = 0; i < n; ++i) stable_softmax(&r.weights(i, 0), &r.weights(i, 0), in.support_end(i), n);
    r.temperature.assign(n, p.baseline_temperature(in.d()));
}

template <class T>
std::vector<double> ssa_temperature(const SsaTemperatureParams& sp, const Mat<T>& x) {
    if (sp.tau) return *sp.tau;
    const Eigen::Index n = x.rows();
    const double c = sp.position_coefficient();
    std::vector<double> tau(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        double u = 0.0;
        if (sp.tok) {
            u = (*sp.tok)[i];
        } else if (sp.w_tok) {
            for (Eigen::Index c2 = 0; c2 < x.cols(); ++c2) u += (*sp.w_tok)[c2] * static_cast<double>(x(i, c2));
            u += sp.b_tok;
        }
        tau[i] = 1.0 + c * std::log(static_cast<double>(i + 1)) + std::tanh(u);
    }
    return tau;
}

// w_ij = softmax_j(tau_q(i) s q_i.k_j); o_i = sum_j w_ij tau_v(j) v_j. The logits are multiplied by tau before
// the max-subtraction, so the max is taken over the scaled row (spec §2.3 numerics).
template <class T>
void run_ssa(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    const double scale = p.resolved_scale(in.d());
    r.extras.tau_q = ssa_temperature(p.ssa_q, in.q);
    r.extras.tau_v = p.value_temp ? ssa_temperature(p.ssa_v, in.v) : std::vector<double>(n, 1.0);
    r.weights = scaled_logits(in.q, in.k, scale);
    for (Eigen::Index i = 0; i < n; ++i) {
        r.weights.row(i) *= static_cast<T>(r.extras.tau_q[i]);
        stable_softmax(&r.weights(i, 0), &r.weights(i, 0), in.support_end(i), n);
    }
    const double base = p.baseline_temperature(in.d());
    r.temperature.resize(n);
    for (Eigen::Index i = 0; i < n; ++i)
        r.temperature[i] = r.extras.tau_q[i] != 0.0 ? base / r.extras.tau_q[i] : kUndefined;
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                     \
    template void run_dpa<T>(const AttentionInput<T>&, const VariantParams&, AttentionResult<T>&); \
    template void run_ssa<T>(const AttentionInput<T>&, const VariantParams&, AttentionResult<T>&); \
    template std::vector<double> ssa_temperature<T>(const SsaTemperatureParams&, const Mat<T>&);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::reference::detail
