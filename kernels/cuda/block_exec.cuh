// block_exec.cuh — the executor of row_programs.hpp as one CUDA thread block: thread t handles keys t, t + B,
// t + 2B, ...; reductions are warp shuffles plus one shared-memory round; sorts are bitonic in shared memory.
#pragma once

#include <cstdint>

#include "kernels/cuda/row_programs.hpp"

namespace attnscope::rowmath {

inline constexpr unsigned kFullMask = 0xffffffffu;

// Shared scratch for one reduction round: one slot per warp (<= 32) plus the broadcast slot, up to 4 doubles each.
struct ReduceScratch {
    double d[33][4];
    float f[33];
    int i[33];
    unsigned long long u[33];
};

class BlockExec {
  public:
    __device__ BlockExec(ReduceScratch* red, float* row, std::uint64_t* keys64, double* dvec, int* ints)
        : m_red(red), m_row(row), m_keys64(keys64), m_dvec(dvec), m_ints(ints) {}

    __device__ int first() const { return static_cast<int>(threadIdx.x); }
    __device__ int step() const { return static_cast<int>(blockDim.x); }
    __device__ bool leader() const { return threadIdx.x == 0; }
    __device__ void sync() { __syncthreads(); }

    __device__ float max_f(float v) { return reduce_f(v, true); }
    __device__ float min_f(float v) { return reduce_f(v, false); }
    __device__ double sum_d(double v) {
        double a[4] = {v, 0.0, 0.0, 0.0};
        reduce_d<1>(a, true);
        return a[0];
    }
    __device__ double min_d(double v) {
        double a[4] = {v, 0.0, 0.0, 0.0};
        reduce_d<1>(a, false);
        return a[0];
    }
    __device__ void sum_d2(double& x, double& y) {
        double a[4] = {x, y, 0.0, 0.0};
        reduce_d<2>(a, true);
        x = a[0];
        y = a[1];
    }
    __device__ void sum_d4(double (&v)[4]) { reduce_d<4>(v, true); }

    __device__ int sum_i(int v) {
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0) m_red->i[warp] = v;
        __syncthreads();
        if (warp == 0) {
            v = lane < nw ? m_red->i[lane] : 0;
            for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
            if (lane == 0) m_red->i[32] = v;
        }
        __syncthreads();
        return m_red->i[32];
    }
    __device__ int min_i(int v) {
        for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(kFullMask, v, o));
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0) m_red->i[warp] = v;
        __syncthreads();
        if (warp == 0) {
            v = lane < nw ? m_red->i[lane] : INT_MAX;
            for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(kFullMask, v, o));
            if (lane == 0) m_red->i[32] = v;
        }
        __syncthreads();
        return m_red->i[32];
    }
    __device__ unsigned long long min_u64(unsigned long long v) {
        for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(kFullMask, v, o));
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0) m_red->u[warp] = v;
        __syncthreads();
        if (warp == 0) {
            v = lane < nw ? m_red->u[lane] : ULLONG_MAX;
            for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(kFullMask, v, o));
            if (lane == 0) m_red->u[32] = v;
        }
        __syncthreads();
        return m_red->u[32];
    }

    // Arg-best in the order of ranks_before (larger value, then smaller index).
    __device__ Best best(float v, int j) {
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(kFullMask, v, o);
            const int oj = __shfl_xor_sync(kFullMask, j, o);
            if (ranks_before(ov, oj, v, j)) {
                v = ov;
                j = oj;
            }
        }
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0) {
            m_red->f[warp] = v;
            m_red->i[warp] = j;
        }
        __syncthreads();
        if (warp == 0) {
            v = lane < nw ? m_red->f[lane] : -FLT_MAX;
            j = lane < nw ? m_red->i[lane] : INT_MAX;
            for (int o = 16; o > 0; o >>= 1) {
                const float ov = __shfl_xor_sync(kFullMask, v, o);
                const int oj = __shfl_xor_sync(kFullMask, j, o);
                if (ranks_before(ov, oj, v, j)) {
                    v = ov;
                    j = oj;
                }
            }
            if (lane == 0) {
                m_red->f[32] = v;
                m_red->i[32] = j;
            }
        }
        __syncthreads();
        return {m_red->f[32], m_red->i[32]};
    }

    __device__ void sort_u32(std::uint32_t* k, int m) { bitonic_sort(*this, k, m, ~std::uint32_t{0}); }
    __device__ void sort_u64(std::uint64_t* k, int m) { bitonic_sort(*this, k, m, ~std::uint64_t{0}); }

    __device__ void atomic_max(std::uint32_t* p, std::uint32_t v) { atomicMax(reinterpret_cast<unsigned*>(p), v); }

    __device__ float* row() { return m_row; }
    __device__ std::uint64_t* keys64() { return m_keys64; }
    __device__ double* dvec() { return m_dvec; }
    __device__ int* ints() { return m_ints; }

  private:
    __device__ float reduce_f(float v, bool is_max) {
        for (int o = 16; o > 0; o >>= 1) {
            const float w = __shfl_xor_sync(kFullMask, v, o);
            v = is_max ? fmaxf(v, w) : fminf(v, w);
        }
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0) m_red->f[warp] = v;
        __syncthreads();
        if (warp == 0) {
            v = lane < nw ? m_red->f[lane] : m_red->f[0];
            for (int o = 16; o > 0; o >>= 1) {
                const float w = __shfl_xor_sync(kFullMask, v, o);
                v = is_max ? fmaxf(v, w) : fminf(v, w);
            }
            if (lane == 0) m_red->f[32] = v;
        }
        __syncthreads();
        return m_red->f[32];
    }

    template <int K>
    __device__ void reduce_d(double (&a)[4], bool is_sum) {
#pragma unroll
        for (int c = 0; c < K; ++c)
            for (int o = 16; o > 0; o >>= 1) {
                const double w = __shfl_xor_sync(kFullMask, a[c], o);
                a[c] = is_sum ? a[c] + w : fmin(a[c], w);
            }
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
        if (lane == 0)
#pragma unroll
            for (int c = 0; c < K; ++c) m_red->d[warp][c] = a[c];
        __syncthreads();
        if (warp == 0) {
#pragma unroll
            for (int c = 0; c < K; ++c) {
                double v = lane < nw ? m_red->d[lane][c] : (is_sum ? 0.0 : m_red->d[0][c]);
                for (int o = 16; o > 0; o >>= 1) {
                    const double w = __shfl_xor_sync(kFullMask, v, o);
                    v = is_sum ? v + w : fmin(v, w);
                }
                if (lane == 0) m_red->d[32][c] = v;
            }
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < K; ++c) a[c] = m_red->d[32][c];
    }

    ReduceScratch* m_red;
    float* m_row;
    std::uint64_t* m_keys64;
    double* m_dvec;
    int* m_ints;
};

}  // namespace attnscope::rowmath
