// cuda_jobs.hpp — the plain parameter structs the engine hands to the kernels (one commented struct per kernel,
// in the manner of FlashAttention's Flash_fwd_params). No CUDA types, so host code can fill them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cuda/row_math.hpp"

namespace attnscope::kernels::gpu {

// One (problem, stage) of the fused row kernel: one thread block per query row. All pointers are device memory;
// matrices are row-major, (n, n) unless noted.
struct RowJob {
    rowmath::RowParams prm;
    int stage = 0;                           // 0: variant rows (va_aware: exact kernel rows only); 1: va_aware solve
    int first_block = 0;                     // this job's first block in the launch
    const float* g = nullptr;                // raw dot products q_i . k_j
    float* w = nullptr;                      // weights out (stage 0, or stage 1 for va_aware)
    float* aux = nullptr;                    // extras matrix out (lssar A, va exact weights p) or nullptr
    std::uint8_t* pruned = nullptr;          // selective pruned mask out or nullptr
    const float* tau_q = nullptr;            // ssa: (n) tau_q
    const float* inv_norm_q = nullptr;       // lssa/lssar: (n) 1 / max(|q_i|, 1e-12)
    const float* inv_norm_k = nullptr;       // lssa/lssar: (n) 1 / max(|k_j|, 1e-12)
    const float* f = nullptr;                // selective: accumulated mask F
    const int* evict = nullptr;              // selective budget: (n) eviction step per key, or nullptr
    const float* v = nullptr;                // va_aware solve: (n, dv) values
    const float* o_exact = nullptr;          // va_aware solve: (n, dv) exact kernel output
    double* stats = nullptr;                 // metrics: 8 arrays of n doubles (spec §7 order), or nullptr
    int* istats = nullptr;                   // metrics: count_above, count_above_uniform, support_size (n each)
    std::uint32_t* display = nullptr;        // (display_rows, display_cols) max-pooled weights as float bits, zeroed
    int display_rows = 0, display_cols = 0;  // before the launch (non-negative floats order like their bits)
};

// Entropy-matched temperature of every row of one problem (spec §7); one block per row.
struct ImpliedJob {
    int n = 0, d = 0, causal = 1;
    int first_block = 0;
    const float* g = nullptr;         // (n, n) raw dot products
    const double* entropy = nullptr;  // (n) the rows' entropies (NaN for null metrics)
    double* value = nullptr;          // (n) out
    std::uint8_t* flag = nullptr;     // (n) out, rowmath::ImpliedFlag
};

// Selective's F prefix sum works down the columns in chunks of this many rows (aux_kernels.cu).
inline constexpr int kScanChunk = 64;
inline std::size_t f_scan_partial_count(int n) {
    return static_cast<std::size_t>((n + kScanChunk - 1) / kScanChunk) * static_cast<std::size_t>(n);
}

inline constexpr int kMetricDoubles = 8;
inline constexpr int kMetricInts = 3;

}  // namespace attnscope::kernels::gpu
