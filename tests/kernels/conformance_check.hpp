// conformance_check.hpp — a backend's float result against reference::evaluate<double>, with derived bounds.
//
// The bound on an entry x (weight, output, metric) of a row with m keys, eps = float epsilon (1.19e-7):
//
//   |x_backend - x_f64| <= 4 * drift_row + eps * (m + 16) * |x_f64| + 4 * eps * max_row |x_f64|
//
//   * eps (m + 16) |x|: a float sum of m terms drifts by about m eps relative (the normaliser of a row, the m-term
//     sums of PV, the metrics' sums), plus a few roundings per entry (exp, the division, the dot product's scale);
//   * 4 drift_row: the conditioning of this very row, measured as the largest deviation of reference::attend<float>
//     (the same formulas evaluated plainly in float) from double over the row. It carries what eps alone cannot:
//     logit error d eps |q||k| amplified by the variant (SSA's tau, LSSA's lambda, LSSAR's power p = 15, EA near
//     s = 0). A backend may order its sums differently (blocked GEMM, vector lanes, double accumulators), hence the
//     factor 4 rather than 1 — FlashAttention's tests judge a kernel by the baseline's own error the same way;
//   * 4 eps max_row: a floor of a few ulps of the row's largest entry for entries that are exactly 0 in double.
//   Metrics add a factor (1 + ln m) (entropy-like sensitivity: |dH| <= sum |dp| (1 + |ln p|)); Gini adds the 3.5e-5
//   bound of the CPU backend's truncated radix keys (kernels/cpu/row_stats.cpp). Counts may differ by the number of
//   entries within their weight tolerance of the threshold.
//
// Discrete choices (top-r sets, convex-fit supports, pruned keys, LSSAR's dead-zone) may flip on near-ties at float
// precision. A row that breaks the bound is accepted as ambiguous only when the float reference's own row also
// differs from double in that choice, or (va_oblivious) the r-th and (r+1)-th exact weights are within tolerance,
// or (va_aware) the backend's approximation error is no worse than double's. Ambiguous rows must stay rare
// (at most 2 rows or 5 % of the rows of a case), so a systematically wrong choice still fails.
#pragma once

#include <string>
#include <vector>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "core/variant_params.hpp"

namespace attnscope::test {

struct ConformanceReport {
    std::vector<std::string> failures;  // the first few, each naming the field, row, column and numbers
    long failure_count = 0;
    long ambiguous_rows = 0;
    bool ok() const { return failure_count == 0; }
};

// got: the backend's result (weights, metrics and extras all requested); f64, f32: reference::evaluate at double
// and float precision on the same float input (without implied temperature).
ConformanceReport check_conformance(VariantKind kind, const VariantParams& params, const AttentionInput<float>& in,
                                    const AttentionResult<float>& got, const AttentionResult<double>& f64,
                                    const AttentionResult<float>& f32);

}  // namespace attnscope::test
