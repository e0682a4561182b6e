// aux_kernels.cu — the small kernels around the fused rows: selective's F as a chunked column prefix sum, row norms
// (LSSA), value scaling (SSA), per-row output distances (value-aware error_l2) and benchmark input fill. (The
// display max-pool is fused into the row kernel: row_kernels.cu.)
#include <algorithm>

#include "kernels/cuda/cuda_kernels.cuh"

namespace attnscope::kernels::gpu {
namespace {

constexpr int kScanThreads = 128;  // columns per block (kScanChunk rows per chunk: cuda_jobs.hpp)

// partial[c][j] = sum of S_kj over the rows k of chunk c (only k > j contribute).
__global__ void f_partials_kernel(const float* __restrict__ g_sel, int n, float sel_scale, int protect_bos,
                                  double* __restrict__ partial) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    const int c = blockIdx.y;
    if (j >= n) return;
    const int k0 = c * kScanChunk, k1 = min(n, k0 + kScanChunk);
    double s = 0.0;
    for (int k = max(k0, j + 1); k < k1; ++k)
        s += rowmath::selection_score(sel_scale, g_sel[static_cast<long long>(k) * n + j], k, j, protect_bos);
    partial[static_cast<long long>(c) * n + j] = s;
}

// Exclusive scan of the chunk sums down each column, in place.
__global__ void f_chunk_scan_kernel(double* __restrict__ partial, int n, int chunks) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    double run = 0.0;
    for (int c = 0; c < chunks; ++c) {
        double* p = partial + static_cast<long long>(c) * n + j;
        const double s = *p;
        *p = run;
        run += s;
    }
}

// F_kj = sum_{k' < k} S_k'j (strictly before query k), S written too when asked.
__global__ void f_write_kernel(const float* __restrict__ g_sel, int n, float sel_scale, int protect_bos,
                               const double* __restrict__ partial, float* __restrict__ f, float* __restrict__ s_out) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    const int c = blockIdx.y;
    if (j >= n) return;
    const int k0 = c * kScanChunk, k1 = min(n, k0 + kScanChunk);
    double run = partial[static_cast<long long>(c) * n + j];
    for (int k = k0; k < k1; ++k) {
        const long long at = static_cast<long long>(k) * n + j;
        f[at] = static_cast<float>(run);
        const float s = k > j ? rowmath::selection_score(sel_scale, g_sel[at], k, j, protect_bos) : 0.0f;
        if (s_out) s_out[at] = s;
        run += s;
    }
}

// One warp per row: 1 / max(|x_i|, 1e-12), the cosine normalisation of spec §5.1 (the 1e-12 clamp turns a zero
// vector into cosine 0).
__global__ void inv_norms_kernel(const float* __restrict__ x, int n, int d, float* __restrict__ out) {
    const int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (row >= n) return;
    double s = 0.0;
    for (int e = lane; e < d; e += 32) {
        const double v = x[static_cast<long long>(row) * d + e];
        s += v * v;
    }
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) out[row] = static_cast<float>(1.0 / fmax(sqrt(s), 1e-12));
}

__global__ void scale_rows_kernel(const float* __restrict__ v, const float* __restrict__ tau, int n, int dv,
                                  float* __restrict__ out) {
    const long long total = static_cast<long long>(n) * dv;
    for (long long t = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; t < total;
         t += static_cast<long long>(gridDim.x) * blockDim.x)
        out[t] = tau[t / dv] * v[t];
}

__global__ void row_distance_kernel(const float* __restrict__ a, const float* __restrict__ b, int n, int dv,
                                    double* __restrict__ out) {
    const int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (row >= n) return;
    double s = 0.0;
    for (int e = lane; e < dv; e += 32) {
        const double diff =
            static_cast<double>(a[static_cast<long long>(row) * dv + e]) - b[static_cast<long long>(row) * dv + e];
        s += diff * diff;
    }
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) out[row] = sqrt(s);
}

__global__ void fill_random_kernel(float* __restrict__ x, std::size_t count, std::uint32_t seed) {
    for (std::size_t t = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; t < count;
         t += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
        std::uint32_t h = static_cast<std::uint32_t>(t) * 0x9e3779b9u ^ seed;  // a 32-bit integer hash
        h ^= h >> 16;
        h *= 0x7feb352du;
        h ^= h >> 15;
        h *= 0x846ca68bu;
        h ^= h >> 16;
        x[t] = static_cast<float>(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
}

int grid_for(long long work, int threads) {
    return static_cast<int>(std::clamp<long long>((work + threads - 1) / threads, 1, 65535));
}

}  // namespace

void launch_f_scan(const float* g_sel, int n, float sel_scale, int protect_bos, float* f_out, float* s_out,
                   double* partial, cudaStream_t stream) {
    const int chunks = (n + kScanChunk - 1) / kScanChunk;
    const dim3 grid((n + kScanThreads - 1) / kScanThreads, chunks);
    f_partials_kernel<<<grid, kScanThreads, 0, stream>>>(g_sel, n, sel_scale, protect_bos, partial);
    f_chunk_scan_kernel<<<(n + kScanThreads - 1) / kScanThreads, kScanThreads, 0, stream>>>(partial, n, chunks);
    f_write_kernel<<<grid, kScanThreads, 0, stream>>>(g_sel, n, sel_scale, protect_bos, partial, f_out, s_out);
}

void launch_inv_norms(const float* x, int n, int d, float* out, cudaStream_t stream) {
    inv_norms_kernel<<<(n + 7) / 8, 256, 0, stream>>>(x, n, d, out);
}

void launch_scale_rows(const float* v, const float* tau, int n, int dv, float* out, cudaStream_t stream) {
    scale_rows_kernel<<<grid_for(static_cast<long long>(n) * dv, 256), 256, 0, stream>>>(v, tau, n, dv, out);
}

void launch_row_distance(const float* a, const float* b, int n, int dv, double* out, cudaStream_t stream) {
    row_distance_kernel<<<(n + 7) / 8, 256, 0, stream>>>(a, b, n, dv, out);
}

void launch_fill_random(float* x, std::size_t count, std::uint32_t seed, cudaStream_t stream) {
    fill_random_kernel<<<grid_for(static_cast<long long>(count), 256), 256, 0, stream>>>(x, count, seed);
}

}  // namespace attnscope::kernels::gpu
