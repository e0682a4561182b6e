// cpu_sweep.hpp — the fused pass over one block of query rows: logits by GEMM, then per row the variant, the
// weights and every spec §7 statistic while the row is in L1, then PV by GEMM, then the display max-pool.
#pragma once

#include <vector>

#include "kernels/cpu/cpu_prepare.hpp"
#include "kernels/cpu/row_stats.hpp"
#include "kernels/cpu/value_aware.hpp"

namespace attnscope::kernels::cpu {

// One worker thread's buffers, reused across blocks and runs.
struct ThreadScratch {
    MatF rows;       // (B, n) logits -> weights, when the result keeps no weights
    MatF aux;        // (B, n) exact kernel weights (va_oblivious/aware) or LSSA weights (lssar), when not in extras
    MatF out_exact;  // (B, dv) exact output (va_oblivious/aware), when not in extras
    MatD vo;         // (B, n) V o_i per row in double (va_aware greedy)
    MatD oe_d;       // (B, dv) the block's exact outputs in double
    std::vector<float> mask;
    std::vector<double> base;  // implied temperature: b_ij = q_i.k_j / sqrt(d)
    std::vector<int> idx;
    RowStatsScratch stats;
    ValueAwareScratch va;
    SparseFit fit;
};

// Rows per block: a block of logits (B x n floats) stays in L2 (1-2 MiB per core) through sweep and PV.
Eigen::Index block_rows(Eigen::Index n);

// Sizes the result for problem p (contents are written by sweep_block; the display map is zeroed).
void allocate_result(const Prepared& p, const BackendOptions& options, BackendResult& r);

// Rows [i0, i1) of problem p into r. Blocks of one problem may run concurrently on different threads.
void sweep_block(const Prepared& p, Eigen::Index i0, Eigen::Index i1, const BackendOptions& options, BackendResult& r,
                 ThreadScratch& s);

// Entropy-matched temperature (spec §7) of rows [i0, i1), from the entropies already in r.result.metrics.
void implied_rows(const Prepared& p, Eigen::Index i0, Eigen::Index i1, BackendResult& r, ThreadScratch& s);

}  // namespace attnscope::kernels::cpu
