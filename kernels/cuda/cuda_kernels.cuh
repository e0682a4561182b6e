// cuda_kernels.cuh — launch wrappers of every attnscope CUDA kernel (row_kernels.cu, aux_kernels.cu), called by
// the engine. Each enqueues on `stream` and returns at once; errors surface at the engine's next check.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/cuda/cuda_jobs.hpp"

namespace attnscope::kernels::gpu {

// Dynamic shared memory the fused row kernel needs for rows of up to n keys (row buffer, plus 64-bit sort keys when
// a va_oblivious r exceeds the register heap, plus the va_aware target vector).
std::size_t row_kernel_smem(int n, bool keys64, int dv);
// Threads per block for rows of up to n keys.
int row_kernel_threads(int n);
// Raises the kernels' dynamic shared-memory limits once (above 48 KiB needs an opt-in).
cudaError_t configure_row_kernels(std::size_t max_smem);

// One launch of the fused row kernel over several jobs (device arrays): block b runs row
// b - first_blocks[k] of the job k with first_blocks[k] <= b < first_blocks[k + 1].
struct RowLaunch {
    const RowJob* jobs = nullptr;
    const int* first_blocks = nullptr;
    int njobs = 0;
    int total_blocks = 0;
    int max_n = 0;        // longest row of any job (sets the threads and the row buffer)
    bool keys64 = false;  // some va_oblivious job has r > rowmath::kHeapR
    int max_dv = 0;       // widest value vector of a va_aware solve
    bool solve = false;   // stage 1 (the va_aware solve) instead of stage 0
};
void launch_rows(const RowLaunch& launch, cudaStream_t stream);
void launch_implied(const ImpliedJob* jobs, const int* first_blocks, int njobs, int total_blocks, int max_n,
                    cudaStream_t stream);
// Selective budget evictions of one problem (sequential over steps; one block). f: (n, n) F.
void launch_evictions(const RowJob* job, const float* f, int* evict, int n, cudaStream_t stream);

// Selective F_ij = sum_{k<i} S_kj as a chunked column prefix sum (double accumulators). g_sel: (n, n) selection dot
// products; partial: f_scan_partial_count(n) doubles of scratch; s_out (optional) receives S.
void launch_f_scan(const float* g_sel, int n, float sel_scale, int protect_bos, float* f_out, float* s_out,
                   double* partial, cudaStream_t stream);

// out_i = 1 / max(|x_i|, 1e-12) for the rows of x (n, d).
void launch_inv_norms(const float* x, int n, int d, float* out, cudaStream_t stream);
// out_j = tau_j * v_j for the rows of v (n, dv).
void launch_scale_rows(const float* v, const float* tau, int n, int dv, float* out, cudaStream_t stream);
// out_i = || a_i - b_i || for rows of (n, dv) matrices, in double.
void launch_row_distance(const float* a, const float* b, int n, int dv, double* out, cudaStream_t stream);
// Deterministic pseudo-random floats in [-1, 1) (benchmark inputs).
void launch_fill_random(float* x, std::size_t count, std::uint32_t seed, cudaStream_t stream);

}  // namespace attnscope::kernels::gpu
