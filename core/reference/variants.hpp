// variants.hpp — the per-variant entry points behind reference::attend (internal to core/reference).
//
// Each fills result.weights (n, n), result.temperature (n), and its extras; attend() then computes the output
// o = W * V~ (V~ = tau_v * V for SSA) centrally.
#pragma once

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "core/variant_params.hpp"

namespace attnscope::reference::detail {

// logits = scale * q k^T; q, k: (n, d) -> (n, n), row i = query i (computed for every j; callers read the support)
template <class T>
Mat<T> scaled_logits(const Mat<T>& q, const Mat<T>& k, double scale) {
    Mat<T> l(q.rows(), k.rows());
    l.noalias() = q * k.transpose();
    l *= static_cast<T>(scale);
    return l;
}

template <class T>
void run_dpa(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);
template <class T>
void run_ssa(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);
template <class T>
void run_selective(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);
template <class T>
void run_value_aware(VariantKind kind, const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);
template <class T>
void run_lssa(VariantKind kind, const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);
template <class T>
void run_ea(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r);

// SSA's temperature of one side (spec §2.3): tau(i) = 1 + c ln(i+1) + tanh(u(i)) or the explicit list.
// x: (n, width) the vectors the token head reads (q for the query side, v for the value side).
template <class T>
std::vector<double> ssa_temperature(const SsaTemperatureParams& sp, const Mat<T>& x);

}  // namespace attnscope::reference::detail
