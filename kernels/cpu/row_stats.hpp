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
};

// w: (m) non-negative row over the full support S_i (zeros where keys are pruned), any positive scale: the metrics
// renormalise p = w / sum w. entropy: H of p when the caller knows it (NaN: computed here with a log per element).
// A row summing to 0 gets undefined metrics. Writes entry i of `out`.
void dense_row_metrics(const float* w, long m, double entropy, const MetricsConfig& cfg, RowStatsScratch& scratch,
                       RowMetrics& out, std::size_t i);

// A row with `count` non-zero weights `vals` (any order) among m keys: O(count log count).
void sparse_row_metrics(const float* vals, int count, long m, const MetricsConfig& cfg, RowMetrics& out,
                        std::size_t i);

// Every metric of row i undefined (NaN, counts -1).
void undefined_row_metrics(RowMetrics& out, std::size_t i);

}  // namespace attnscope::kernels::cpu
