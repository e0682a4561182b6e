// metrics.hpp — per-query diagnostics of an attention map (spec §7).
#pragma once

#include "core/attention_result.hpp"

namespace attnscope {

// Relative slack of count_above_uniform: p_j > (1/m)(1 + 1e-6). The oracle's UNIFORM_SLACK (spec §7 numerics):
// an exactly uniform row must count 0 even where m * fl(1/m) rounds below 1.
inline constexpr double kUniformSlack = 1e-6;

// weights: (n, n), row i over its support S_i = [0, i] (causal) or [0, n). m is always the full support, also
// for pruned or sparse rows. Each row is renormalised as p = |w| / sum|w|; a row whose total is 0 gets
// undefined (NaN / -1) metrics. k = metrics_k, theta = metrics_threshold.
template <class T>
RowMetrics row_metrics(const Mat<T>& weights, bool causal, int k, double theta);

// One row: p_j for j < m (any scale, any sign), written into metrics entry i.
template <class T>
void row_metrics_into(const T* w, long m, int k, double theta, RowMetrics& out, std::size_t i);

}  // namespace attnscope
