// row_stats.hpp — spec §7 metrics of one attention row, in float with double accumulators.
//
// Called by the fused sweep on a row that is still in L1. Entropy comes in precomputed for exponential rows
// (H = ln l - t / l, no log per element); Gini and top-k need the row in order, which a two-pass radix sort gives
// in O(m) (see row_stats.cpp for the bound on its truncated keys).
#pragma once

#include <cstdint>
#include <vector>

#include "core/attention_result.hpp"

namespace attnscope::kernels::cpu {

struct MetricsConfig {
    int k = 4;             // metrics_k
    double theta = 0.01;   // metrics_threshold
};

// Reused buffers: sized on first use, never shrunk.
struct RowStatsScratch {
    std::vector<std::uint32_t> a, b;
    std::vector<std::uint64_t> kv;
    std::vector<float> y;
};

// w: (m) non-negative row over the full support S_i (zeros where keys are pruned), any positive scale: the metrics
// renormalise p = w / sum w. entropy: H of p when the caller knows it (NaN: computed here with a log per element).
// A row summing to 0 gets undefined metrics. Writes entry i of `out`.
void dense_row_metrics(const float* w, long m, double entropy, const MetricsConfig& cfg, RowStatsScratch& scratch,
                       RowMetrics& out, std::size_t i);

// The same metrics for a row whose weights w[0, m) are u * inv, when the pass that made u already gathered the sums
// of u (l = sum u > 0, sum u ln u, sum u^2, max u; w_max = max w) and the counts of u above theta * l and (l / m)(1 + 1e-6):
// only the order (Gini, top-k) is left to compute.
void summed_row_metrics(const float* w, long m, double l, double xlogx, double sq, double u_max, float w_max,
                        long above, long above_uniform, const MetricsConfig& cfg, RowStatsScratch& scratch,
                        RowMetrics& out, std::size_t i);

// A row with `count` non-zero weights `vals` (any order) among m keys: O(count log count).
void sparse_row_metrics(const float* vals, int count, long m, const MetricsConfig& cfg, RowMetrics& out,
                        std::size_t i);

// w[0, m) (non-negative) sorted ascending into out[0, m), exactly: a three-pass LSD radix on the float bits
// (non-negative IEEE floats order as their bit patterns). O(m); used where a row's order is kept and updated.
void sort_nonnegative(const float* w, long m, float* out, RowStatsScratch& scratch);

// The metrics of a row kept as a running summary (incremental edits): its values in ascending order, sum l,
// sum x ln x, sum x^2 and rank_sum = sum_r (r + 1) sorted[r]. O(log m + k). l = 0: undefined metrics.
void summary_row_metrics(const float* sorted, long m, double l, double xlogx, double sq, double rank_sum,
                         const MetricsConfig& cfg, RowMetrics& out, std::size_t i);

// Every metric of row i undefined (NaN, counts -1).
void undefined_row_metrics(RowMetrics& out, std::size_t i);

}  // namespace attnscope::kernels::cpu
