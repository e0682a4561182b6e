// implied_temperature.hpp — the entropy-matched temperature of a row (spec §7, "implied"; our teaching metric).
//
// T* solves H(softmax(b_i / T*)) = H_i, where b_ij = q_i.k_j / sqrt(d) over the full support whatever the
// variant's own scale, and H_i is the row's entropy (of |w| renormalised). It recovers 1 for DPA and 1/tau for SSA.
#pragma once

#include <utility>
#include <vector>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"

namespace attnscope {

// b: base logits b[0..m) of one row; target: its entropy (NaN when undefined).
// H is strictly increasing in T for a non-constant row: bisection on ln(T / spread) over [ln 1e-6, ln 1e6] to a
// bracket width of 1e-14 (at most 300 steps). Flags: Undefined (m = 1, constant row, undefined target), Inf
// (target >= ln m - 1e-12, or still above reach at T = 1e6 spread), Zero (target <= ln #argmax + 1e-12, or below
// reach at T = 1e-6 spread). The value is NaN unless the flag is Ok.
std::pair<double, ImpliedTemperatureFlag> implied_temperature(const double* b, long m, double target);

// Every row of a problem; entropies come from `metrics` (row_metrics). Computed in double for both precisions.
template <class T>
void implied_temperatures(const AttentionInput<T>& in, const RowMetrics& metrics, std::vector<double>& value,
                          std::vector<ImpliedTemperatureFlag>& flag);

}  // namespace attnscope
