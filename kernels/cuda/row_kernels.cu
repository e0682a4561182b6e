// row_kernels.cu — the fused row kernel (one thread block per query row: the variant's weights, its extras and every
// §7 statistic in one pass over a row staged in shared memory), the implied-temperature kernel and the selective
// budget evictions. The maths is row_programs.hpp's, shared with the CPU test.
#include <algorithm>

#include "kernels/cuda/block_exec.cuh"
#include "kernels/cuda/cuda_kernels.cuh"

namespace attnscope::kernels::gpu {
namespace {

using rowmath::BlockExec;
using rowmath::ReduceScratch;

// Carves the dynamic shared memory: [row floats | 64-bit keys | target vector]; every part 16-byte aligned.
struct RowSmem {
    float* row;
    std::uint64_t* keys64;
    double* dvec;
};

__device__ std::size_t align16(std::size_t b) { return (b + 15) & ~std::size_t{15}; }

__device__ RowSmem carve(unsigned char* base, int n_pad, bool keys64) {
    RowSmem s;
    std::size_t off = 0;
    s.row = reinterpret_cast<float*>(base + off);
    off += align16(sizeof(float) * static_cast<std::size_t>(n_pad));
    s.keys64 = reinterpret_cast<std::uint64_t*>(base + off);
    if (keys64) off += align16(sizeof(std::uint64_t) * static_cast<std::size_t>(n_pad));
    s.dvec = reinterpret_cast<double*>(base + off);
    return s;
}

__device__ int find_job(const int* first_blocks, int njobs) {
    int k = 0;
    while (k + 1 < njobs && static_cast<int>(blockIdx.x) >= first_blocks[k + 1]) ++k;
    return k;
}

__device__ rowmath::MetricsOut metrics_of(const RowJob& job) {
    const int n = job.prm.n;
    rowmath::MetricsOut m;
    double* s = job.stats;
    m.entropy = s;
    m.entropy_normalised = s + n;
    m.effective_support = s + 2 * n;
    m.participation_ratio = s + 3 * n;
    m.spikiness = s + 4 * n;
    m.max_weight = s + 5 * n;
    m.topk_mass = s + 6 * n;
    m.gini = s + 7 * n;
    m.count_above = job.istats;
    m.count_above_uniform = job.istats + n;
    m.support_size = job.istats + 2 * n;
    return m;
}

// Stage 0: the variant's row (va_aware: its exact kernel row only), extras and statistics. Stage 1 (kSolve): the
// value-aware solve. Two instantiations, so the solver's local arrays and registers do not weigh on every variant.
// n_pad: row buffer capacity (power of two).
template <bool kSolve>
__global__ void __launch_bounds__(1024)
    fused_rows_kernel(const RowJob* __restrict__ jobs, const int* __restrict__ first_blocks, int njobs, int n_pad,
                      int keys64) {
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ ReduceScratch red;
    const RowJob& job = jobs[find_job(first_blocks, njobs)];
    const rowmath::RowParams& prm = job.prm;
    const int n = prm.n;
    const int i = static_cast<int>(blockIdx.x) - job.first_block;
    const RowSmem sm = carve(smem, n_pad, keys64 != 0);
    BlockExec ex(&red, sm.row, sm.keys64, sm.dvec, nullptr);
    float* x = sm.row;
    const int m = rowmath::support_len(prm, i);
    const long long row_off = static_cast<long long>(i) * n;

    if constexpr (!kSolve) {
        rowmath::RowInputs in;
        in.g = job.g + row_off;
        if (job.tau_q) in.tau = job.tau_q[i];
        if (job.f) in.f = job.f + row_off;
        in.evict = job.evict;
        if (job.inv_norm_q) in.inv_norm_q = job.inv_norm_q[i];
        in.inv_norm_k = job.inv_norm_k;
        rowmath::RowExtrasOut ext;
        if (job.aux) ext.aux = job.aux + row_off;
        if (job.pruned) ext.pruned = job.pruned + row_off;
        rowmath::variant_row(ex, prm, i, in, ext, x);
        for (int j = m + threadIdx.x; j < n; j += blockDim.x) {
            if (ext.aux) ext.aux[j] = 0.0f;
            if (ext.pruned) ext.pruned[j] = 0;
        }
        if (prm.kind == rowmath::kVaAware) return;  // weights come from the solve (stage 1)
    } else {
        const float* o = job.o_exact + static_cast<long long>(i) * prm.dv;
        for (int e = threadIdx.x; e < prm.dv; e += blockDim.x) sm.dvec[e] = o[e];
        __syncthreads();
        rowmath::va_aware_row(ex, prm, i, job.v, sm.dvec, x);
    }
    float* out_row = job.w + row_off;
    for (int j = threadIdx.x; j < n; j += blockDim.x) out_row[j] = j < m ? x[j] : 0.0f;
    if (job.display) rowmath::pool_row(ex, x, m, i, n, job.display_rows, job.display_cols, job.display);
    if (job.stats) {
        if (job.display) __syncthreads();  // the metrics sort x in place
        rowmath::row_metrics(ex, prm, i, x, metrics_of(job));
    }
}

__global__ void implied_kernel(const ImpliedJob* __restrict__ jobs, const int* __restrict__ first_blocks, int njobs) {
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ ReduceScratch red;
    const ImpliedJob& job = jobs[find_job(first_blocks, njobs)];
    const int i = static_cast<int>(blockIdx.x) - job.first_block;
    const int m = job.causal ? i + 1 : job.n;
    float* b = reinterpret_cast<float*>(smem);
    BlockExec ex(&red, b, nullptr, nullptr, nullptr);
    // b_ij = q_i . k_j / sqrt(d) over the full support, whatever the variant's own scale (spec §7)
    const float inv_sqrt_d = static_cast<float>(1.0 / sqrt(static_cast<double>(job.d)));
    const float* g = job.g + static_cast<long long>(i) * job.n;
    for (int j = threadIdx.x; j < m; j += blockDim.x) b[j] = g[j] * inv_sqrt_d;
    __syncthreads();
    double value = 0.0;
    std::uint8_t flag = rowmath::kImpliedUndefined;
    rowmath::implied_temperature_row(ex, b, m, job.entropy[i], value, flag);
    if (threadIdx.x == 0) {
        job.value[i] = value;
        job.flag[i] = flag;
    }
}

__global__ void evictions_kernel(const RowJob* __restrict__ job, const float* __restrict__ f, int* evict) {
    extern __shared__ __align__(16) unsigned char smem[];
    __shared__ ReduceScratch red;
    BlockExec ex(&red, nullptr, nullptr, nullptr, reinterpret_cast<int*>(smem));
    rowmath::budget_evictions(ex, job->prm, f, evict);
}

std::size_t host_align16(std::size_t b) { return (b + 15) & ~std::size_t{15}; }

int host_pow2_ceil(int m) {
    int p = 1;
    while (p < m) p <<= 1;
    return p;
}

}  // namespace

std::size_t row_kernel_smem(int n, bool keys64, int dv) {
    const auto n_pad = static_cast<std::size_t>(host_pow2_ceil(n));
    std::size_t b = host_align16(sizeof(float) * n_pad);
    if (keys64) b += host_align16(sizeof(std::uint64_t) * n_pad);
    b += host_align16(sizeof(double) * static_cast<std::size_t>(std::max(dv, 1)));
    return b;
}

// Rows of up to 256 keys: 64 threads; then about 16 keys a thread, up to 1024 threads (n = 16384). More blocks
// per multiprocessor hide the barriers of the reductions and the sort better than wider blocks would.
int row_kernel_threads(int n) {
    const int t = host_pow2_ceil(std::max(n, 1)) / 16;
    return std::clamp(t, 64, 1024);
}

cudaError_t configure_row_kernels(std::size_t max_smem) {
    const int bytes = static_cast<int>(max_smem);
    cudaError_t e = cudaFuncSetAttribute(fused_rows_kernel<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e == cudaSuccess)
        e = cudaFuncSetAttribute(fused_rows_kernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e == cudaSuccess) e = cudaFuncSetAttribute(implied_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e == cudaSuccess)
        e = cudaFuncSetAttribute(evictions_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    return e;
}

void launch_rows(const RowLaunch& l, cudaStream_t stream) {
    if (l.njobs == 0 || l.total_blocks == 0) return;
    const int n_pad = host_pow2_ceil(l.max_n);
    const std::size_t smem = row_kernel_smem(l.max_n, l.keys64, l.max_dv);
    const int threads = row_kernel_threads(l.max_n);
    if (l.solve)
        fused_rows_kernel<true><<<l.total_blocks, threads, smem, stream>>>(l.jobs, l.first_blocks, l.njobs, n_pad, 0);
    else
        fused_rows_kernel<false>
            <<<l.total_blocks, threads, smem, stream>>>(l.jobs, l.first_blocks, l.njobs, n_pad, l.keys64 ? 1 : 0);
}

void launch_implied(const ImpliedJob* jobs, const int* first_blocks, int njobs, int total_blocks, int max_n,
                    cudaStream_t stream) {
    if (njobs == 0 || total_blocks == 0) return;
    const std::size_t smem = sizeof(float) * static_cast<std::size_t>(host_pow2_ceil(max_n));
    implied_kernel<<<total_blocks, row_kernel_threads(max_n), smem, stream>>>(jobs, first_blocks, njobs);
}

void launch_evictions(const RowJob* job, const float* f, int* evict, int n, cudaStream_t stream) {
    const std::size_t smem = sizeof(int) * (static_cast<std::size_t>(n) + 2);
    evictions_kernel<<<1, 1024, smem, stream>>>(job, f, evict);
}

}  // namespace attnscope::kernels::gpu
