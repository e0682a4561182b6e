// cuda_engine.cu — device context, memory, cuBLAS and CUDA graphs around the kernels.
//
// One run: lay the batch out (engine_plan), pack inputs and job tables into a pinned image, upload it with one copy,
// run the GEMMs and fused kernels, copy the Out region back. Small batches (everything under kStageCap) go through
// pinned buffers in both directions and are captured once per structure as a CUDA graph, so an edit of six
// variants at n = 128 is one graph launch plus two copies. Large batches run the same sequence without a graph
// and copy their big results straight into the host destinations.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <list>
#include <mutex>
#include <set>
#include <sstream>

#include "kernels/cuda/cuda_engine.hpp"
#include "kernels/cuda/cuda_kernels.cuh"
#include "kernels/cuda/engine_plan.hpp"

namespace attnscope::kernels::gpu {
namespace {

constexpr std::size_t kStageCap = std::size_t{64} << 20;  // staged (and graph) mode below 64 MiB each way
constexpr std::size_t kCublasWorkspace = std::size_t{32} << 20;
constexpr std::size_t kGraphCacheSize = 16;

std::string cuda_error_text(const char* call, cudaError_t e) {
    std::ostringstream s;
    s << call << ": " << cudaGetErrorString(e) << " (" << cudaGetErrorName(e) << ")";
    return s.str();
}

void check(cudaError_t e, const char* call) {
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();  // not sticky: clear it so the next run starts clean
        throw EngineTooLarge(cuda_error_text(call, e));
    }
    if (e != cudaSuccess) throw std::runtime_error(cuda_error_text(call, e));
}

void check_blas(cublasStatus_t s, const char* call) {
    if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(call) + ": " + cublasGetStatusString(s));
}

struct DeviceBuffer {
    char* p = nullptr;
    std::size_t cap = 0;
    // true when the buffer moved (graphs that captured its address are stale)
    bool ensure(std::size_t bytes) {
        if (bytes <= cap) return false;
        release();
        const std::size_t want = std::max(bytes, cap + cap / 2);
        if (cudaMalloc(&p, want) != cudaSuccess) {
            cudaGetLastError();
            p = nullptr;
            check(cudaMalloc(&p, bytes), "cudaMalloc (device arena)");
            cap = bytes;
            return true;
        }
        cap = want;
        return true;
    }
    void release() {
        if (p) cudaFree(p);
        p = nullptr;
        cap = 0;
    }
};

struct PinnedBuffer {
    char* p = nullptr;
    std::size_t cap = 0;
    bool ensure(std::size_t bytes) {
        if (bytes <= cap) return false;
        release();
        const std::size_t want = std::max({bytes, cap * 2, std::size_t{1} << 20});
        check(cudaHostAlloc(reinterpret_cast<void**>(&p), want, cudaHostAllocDefault), "cudaHostAlloc (staging)");
        cap = want;
        return true;
    }
    void release() {
        if (p) cudaFreeHost(p);
        p = nullptr;
        cap = 0;
    }
};

struct GraphEntry {
    std::vector<std::uint64_t> signature;
    cudaGraphExec_t exec = nullptr;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct Engine::Impl {
    std::optional<std::string> reason;
    cudaDeviceProp prop{};
    int driver_version = 0, runtime_version = 0;
    std::size_t smem_limit = 0;
    cudaStream_t stream = nullptr;
    cublasHandle_t blas = nullptr;
    cudaEvent_t ev_start = nullptr, ev_stop = nullptr;
    DeviceBuffer arena, blas_ws, ref;
    PinnedBuffer in_stage, out_stage;
    std::list<GraphEntry> graphs;  // most recently used first
    bool tf32 = false, use_graphs = true;
    std::string graph_failure;  // why graphs were turned off, if they were
    int ref_n = 0, ref_d = 0, ref_dv = 0;
    EngineTiming timing;
    std::mutex mutex;

    void init();
    void clear_graphs();
    void destroy();
    void run_group(std::vector<EngineProblem>& problems, const Plan& plan);
    void enqueue(const Plan& plan, const std::vector<EngineProblem>& problems, bool staged);
    void enqueue_compute(const Plan& plan, const std::vector<EngineProblem>& problems);
    void gemm_group(const Plan& plan, const GemmGroup& g);
    void check_shared_memory(const Plan& plan) const;
};

void Engine::Impl::init() {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        cudaGetLastError();
        reason = cuda_error_text("cudaGetDeviceCount", e);
        return;
    }
    if (count == 0) {
        reason = "cudaGetDeviceCount: no CUDA device found";
        return;
    }
    if ((e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess) {
        reason = cuda_error_text("cudaGetDeviceProperties", e);
        return;
    }
    if (prop.major < 8) {
        std::ostringstream s;
        s << prop.name << " has compute capability " << prop.major << "." << prop.minor
          << "; this build has kernels for 8.0 and newer (CMAKE_CUDA_ARCHITECTURES 80-real;90)";
        reason = s.str();
        return;
    }
    cudaDriverGetVersion(&driver_version);
    cudaRuntimeGetVersion(&runtime_version);
    try {
        check(cudaSetDevice(0), "cudaSetDevice");
        check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
        check(cudaEventCreate(&ev_start), "cudaEventCreate");
        check(cudaEventCreate(&ev_stop), "cudaEventCreate");
        check_blas(cublasCreate(&blas), "cublasCreate");
        check_blas(cublasSetStream(blas, stream), "cublasSetStream");
        // An explicit workspace keeps cuBLAS from allocating while a graph is being captured.
        blas_ws.ensure(kCublasWorkspace);
        check_blas(cublasSetWorkspace(blas, blas_ws.p, blas_ws.cap), "cublasSetWorkspace");
        check_blas(cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        // Leave room for the kernels' static shared memory (the reduction scratch, under 2 KiB).
        smem_limit = prop.sharedMemPerBlockOptin - 4096;
        check(configure_row_kernels(smem_limit), "cudaFuncSetAttribute (shared memory)");
    } catch (const std::exception& ex) {
        reason = ex.what();
    }
}

void Engine::Impl::clear_graphs() {
    for (auto& g : graphs) cudaGraphExecDestroy(g.exec);
    graphs.clear();
}

void Engine::Impl::destroy() {
    clear_graphs();
    arena.release();
    ref.release();
    blas_ws.release();
    in_stage.release();
    out_stage.release();
    if (blas) cublasDestroy(blas);
    if (ev_start) cudaEventDestroy(ev_start);
    if (ev_stop) cudaEventDestroy(ev_stop);
    if (stream) cudaStreamDestroy(stream);
}

void Engine::Impl::check_shared_memory(const Plan& plan) const {
    auto need = [&](std::size_t bytes, int n, const char* what) {
        if (bytes <= smem_limit) return;
        std::ostringstream s;
        s << what << " at n = " << n << " needs " << (bytes >> 10) << " KiB of shared memory per row; " << prop.name
          << " allows " << (smem_limit >> 10) << " KiB";
        throw EngineTooLarge(s.str());
    };
    need(row_kernel_smem(plan.max_n0, plan.keys64, 1), plan.max_n0, "a fused row");
    if (plan.njobs1) need(row_kernel_smem(plan.max_n1, false, plan.max_dv1), plan.max_n1, "a value-aware solve");
    if (plan.nimplied) need(row_kernel_smem(plan.max_n_implied, false, 1), plan.max_n_implied, "implied temperature");
}

void Engine::Impl::gemm_group(const Plan& plan, const GemmGroup& g) {
    char* base = arena.p;
    const float one = 1.0f, zero = 0.0f;
    const int count = static_cast<int>(g.ops.size());
    // Row-major C = A B is column-major C^T = B^T A^T: see the shapes on GemmOp.
    const int m = g.logits ? g.n : g.inner, nn = g.n, k = g.logits ? g.inner : g.n;
    const cublasOperation_t ta = g.logits ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int lda = g.inner, ldb = g.logits ? g.inner : g.n, ldc = g.logits ? g.n : g.inner;
    if (count == 1) {
        const GemmOp& op = g.ops[0];
        check_blas(cublasSgemm(blas, ta, CUBLAS_OP_N, m, nn, k, &one,
                               reinterpret_cast<const float*>(device_ptr(plan, base, op.a)), lda,
                               reinterpret_cast<const float*>(device_ptr(plan, base, op.b)), ldb, &zero,
                               reinterpret_cast<float*>(device_ptr(plan, base, op.c)), ldc),
                   "cublasSgemm");
        return;
    }
    auto* ptrs = reinterpret_cast<float**>(device_ptr(plan, base, g.ptrs));
    check_blas(cublasSgemmBatched(blas, ta, CUBLAS_OP_N, m, nn, k, &one, ptrs, lda, ptrs + count, ldb, &zero,
                                  ptrs + 2 * count, ldc, count),
               "cublasSgemmBatched");
}

void Engine::Impl::enqueue_compute(const Plan& plan, const std::vector<EngineProblem>& problems) {
    char* base = arena.p;
    auto fp = [&](const Slot& s) { return s ? reinterpret_cast<float*>(device_ptr(plan, base, s)) : nullptr; };
    // prepasses: LSSA row norms (once per shared input), SSA value temperatures
    std::set<std::size_t> normed;
    for (std::size_t t = 0; t < problems.size(); ++t) {
        const auto& p = problems[t].prm;
        const ProblemPlan& pp = plan.problems[t];
        if (pp.inv_q && normed.insert(pp.inv_q.off).second) launch_inv_norms(fp(pp.q), p.n, p.d, fp(pp.inv_q), stream);
        if (pp.inv_k && normed.insert(pp.inv_k.off).second) launch_inv_norms(fp(pp.k), p.n, p.d, fp(pp.inv_k), stream);
        if (pp.v_scaled) launch_scale_rows(fp(pp.v), fp(pp.tau_v), p.n, p.dv, fp(pp.v_scaled), stream);
    }
    for (const auto& g : plan.logit_groups) gemm_group(plan, g);
    // selective: F (and S), then the sequential budget evictions
    const auto* jobs0 = reinterpret_cast<const RowJob*>(device_ptr(plan, base, plan.jobs0));
    for (std::size_t t = 0; t < problems.size(); ++t) {
        const auto& p = problems[t].prm;
        const ProblemPlan& pp = plan.problems[t];
        if (p.kind != rowmath::kSelective) continue;
        const float* g_sel = fp(plan.pairs[pp.sel_pair >= 0 ? pp.sel_pair : pp.pair].g);
        launch_f_scan(g_sel, p.n, p.sel_scale, p.protect_bos, fp(pp.f), fp(pp.s),
                      reinterpret_cast<double*>(device_ptr(plan, base, plan.f_partial)), stream);
        if (pp.evict)
            launch_evictions(jobs0 + pp.job0, fp(pp.f), reinterpret_cast<int*>(device_ptr(plan, base, pp.evict)), p.n,
                             stream);
    }
    for (const ProblemPlan& pp : plan.problems)
        if (pp.display)
            check(cudaMemsetAsync(device_ptr(plan, base, pp.display), 0, pp.display.bytes, stream),
                  "cudaMemsetAsync (display)");
    RowLaunch l0;
    l0.jobs = jobs0;
    l0.first_blocks = reinterpret_cast<const int*>(device_ptr(plan, base, plan.first0));
    l0.njobs = plan.njobs0;
    l0.total_blocks = plan.blocks0;
    l0.max_n = plan.max_n0;
    l0.keys64 = plan.keys64;
    l0.max_dv = 1;
    launch_rows(l0, stream);
    for (const auto& g : plan.pv_groups) gemm_group(plan, g);
    if (plan.njobs1) {
        RowLaunch l1;
        l1.jobs = reinterpret_cast<const RowJob*>(device_ptr(plan, base, plan.jobs1));
        l1.first_blocks = reinterpret_cast<const int*>(device_ptr(plan, base, plan.first1));
        l1.njobs = plan.njobs1;
        l1.total_blocks = plan.blocks1;
        l1.max_n = plan.max_n1;
        l1.max_dv = plan.max_dv1;
        l1.solve = true;
        launch_rows(l1, stream);
        for (const auto& g : plan.pv_late_groups) gemm_group(plan, g);
    }
    for (std::size_t t = 0; t < problems.size(); ++t) {
        const auto& p = problems[t].prm;
        const ProblemPlan& pp = plan.problems[t];
        if (pp.err)
            launch_row_distance(fp(pp.o), fp(pp.o_exact), p.n, p.dv,
                                reinterpret_cast<double*>(device_ptr(plan, base, pp.err)), stream);
    }
    if (plan.nimplied)
        launch_implied(reinterpret_cast<const ImpliedJob*>(device_ptr(plan, base, plan.implied_jobs)),
                       reinterpret_cast<const int*>(device_ptr(plan, base, plan.implied_first)), plan.nimplied,
                       plan.blocks_implied, plan.max_n_implied, stream);
    check(cudaGetLastError(), "kernel launch");
}

void Engine::Impl::enqueue(const Plan& plan, const std::vector<EngineProblem>& problems, bool staged) {
    char* base = arena.p;
    check(cudaMemcpyAsync(base, in_stage.p, plan.region_bytes[0], cudaMemcpyHostToDevice, stream),
          "cudaMemcpyAsync (upload)");
    check(cudaEventRecord(ev_start, stream), "cudaEventRecord");
    enqueue_compute(plan, problems);
    check(cudaEventRecord(ev_stop, stream), "cudaEventRecord");
    if (staged) {
        check(cudaMemcpyAsync(out_stage.p, base + plan.region_base(Region::Out), plan.region_bytes[2],
                              cudaMemcpyDeviceToHost, stream),
              "cudaMemcpyAsync (download)");
        return;
    }
    for (const CopyBack& c : plan.copies)
        check(cudaMemcpyAsync(c.host, device_ptr(plan, base, c.slot), c.slot.bytes, cudaMemcpyDeviceToHost, stream),
              "cudaMemcpyAsync (download)");
}

void Engine::Impl::run_group(std::vector<EngineProblem>& problems, const Plan& plan) {
    check_shared_memory(plan);
    const bool staged = plan.region_bytes[0] <= kStageCap && plan.region_bytes[2] <= kStageCap;
    bool moved = arena.ensure(plan.total_bytes());
    moved = in_stage.ensure(std::max<std::size_t>(plan.region_bytes[0], 1)) || moved;
    if (staged) moved = out_stage.ensure(std::max<std::size_t>(plan.region_bytes[2], 1)) || moved;
    if (moved) clear_graphs();
    fill_upload_image(plan, problems, arena.p, in_stage.p);

    std::vector<std::uint64_t> sig = plan.signature;
    sig.push_back(tf32 ? 1 : 0);
    timing.staged = staged;
    timing.graph = false;
    bool launched = false;
    if (staged && use_graphs) {
        auto it = std::find_if(graphs.begin(), graphs.end(), [&](const GraphEntry& g) { return g.signature == sig; });
        if (it == graphs.end()) {
            // capture once per structure; a failure to capture only costs the graph, not the run
            cudaGraph_t graph = nullptr;
            cudaGraphExec_t exec = nullptr;
            cudaError_t e = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
            bool ok = e == cudaSuccess;
            if (ok) {
                try {
                    enqueue(plan, problems, true);
                } catch (const std::exception& ex) {
                    graph_failure = ex.what();
                    ok = false;
                }
                e = cudaStreamEndCapture(stream, &graph);
                ok = ok && e == cudaSuccess;
                if (ok && (e = cudaGraphInstantiate(&exec, graph, 0)) != cudaSuccess) ok = false;
                if (graph) cudaGraphDestroy(graph);
            }
            if (!ok) {
                if (graph_failure.empty()) graph_failure = cuda_error_text("CUDA graph capture", e);
                cudaGetLastError();
                use_graphs = false;
            } else {
                graphs.push_front({sig, exec});
                if (graphs.size() > kGraphCacheSize) {
                    cudaGraphExecDestroy(graphs.back().exec);
                    graphs.pop_back();
                }
                it = graphs.begin();
            }
        } else {
            graphs.splice(graphs.begin(), graphs, it);
            it = graphs.begin();
        }
        if (use_graphs && it != graphs.end()) {
            check(cudaGraphLaunch(it->exec, stream), "cudaGraphLaunch");
            launched = true;
            timing.graph = true;
        }
    }
    if (!launched) enqueue(plan, problems, staged);
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    float ms = 0.0f;
    if (cudaEventElapsedTime(&ms, ev_start, ev_stop) == cudaSuccess)
        timing.device_ms += ms;
    else
        cudaGetLastError();  // timing is optional; leave no error behind for the next launch check
    if (staged) {
        for (const CopyBack& c : plan.copies) std::memcpy(c.host, out_stage.p + c.slot.off, c.slot.bytes);
    }
}

Engine::Engine() : m(std::make_unique<Impl>()) { m->init(); }

Engine::~Engine() {
    if (!m->reason) m->destroy();
}

const std::optional<std::string>& Engine::unavailable_reason() const { return m->reason; }

std::string Engine::device_description() const {
    if (m->reason) return "unavailable: " + *m->reason;
    std::ostringstream s;
    s << m->prop.name << " (sm_" << m->prop.major << m->prop.minor << ", " << m->prop.multiProcessorCount << " SMs, "
      << (m->prop.totalGlobalMem >> 30) << " GiB; driver " << m->driver_version / 1000 << "."
      << (m->driver_version % 1000) / 10 << ", runtime " << m->runtime_version / 1000 << "."
      << (m->runtime_version % 1000) / 10 << ")";
    if (!m->graph_failure.empty()) s << "; CUDA graphs off: " << m->graph_failure;
    return s.str();
}

int Engine::max_row_length(bool keys64, int dv) const {
    int n = 1;
    while (n < (1 << 24) && row_kernel_smem(n * 2, keys64, dv) <= m->smem_limit) n *= 2;
    return n;
}

void Engine::run(std::vector<EngineProblem>& problems) {
    std::lock_guard lock(m->mutex);
    if (m->reason) throw std::runtime_error(*m->reason);
    const auto t0 = std::chrono::steady_clock::now();
    m->timing = EngineTiming{};
    if (problems.empty()) return;
    const Plan whole = make_plan(problems);
    m->check_shared_memory(whole);
    if (whole.total_bytes() <= m->arena.cap) {  // the common case: it fits where the last run fitted
        m->run_group(problems, whole);
        m->timing.groups = 1;
        m->timing.total_ms = ms_since(t0);
        return;
    }
    // Batches that do not fit device memory run in groups that do (greedily, in order).
    std::size_t free_b = 0, total_b = 0;
    check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
    const std::size_t budget = (free_b + m->arena.cap) / 10 * 9;
    if (whole.total_bytes() <= budget) {
        m->run_group(problems, whole);
        m->timing.groups = 1;
        m->timing.total_ms = ms_since(t0);
        return;
    }
    std::vector<EngineProblem> group;
    std::size_t group_bytes = 0;
    auto flush = [&] {
        if (group.empty()) return;
        m->run_group(group, make_plan(group));
        ++m->timing.groups;
        group.clear();
        group_bytes = 0;
    };
    for (const EngineProblem& p : problems) {
        const Plan single = make_plan({p});
        m->check_shared_memory(single);
        const std::size_t bytes = single.total_bytes();
        if (bytes > budget) {
            std::ostringstream s;
            s << "one head at n = " << p.prm.n << " needs " << (bytes >> 20) << " MiB of GPU memory; " << (budget >> 20)
              << " MiB are free";
            throw EngineTooLarge(s.str());
        }
        if (group_bytes + bytes > budget) flush();
        group.push_back(p);
        group_bytes += bytes;
    }
    flush();
    m->timing.total_ms = ms_since(t0);
}

EngineTiming Engine::last_timing() const {
    std::lock_guard lock(m->mutex);
    return m->timing;
}

std::optional<double> Engine::reference_gemm_ms(int n, int d, int dv, bool include_pv) {
    std::lock_guard lock(m->mutex);
    if (m->reason || n <= 0 || d <= 0 || dv <= 0) return std::nullopt;
    const std::size_t nd = static_cast<std::size_t>(n) * d, nv = static_cast<std::size_t>(n) * dv;
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    const std::size_t floats = 2 * nd + 2 * nv + nn;
    float* q = nullptr;
    const bool fresh = m->ref_n != n || m->ref_d != d || m->ref_dv != dv;
    if (fresh) {
        m->ref.release();
        m->ref.ensure(sizeof(float) * floats);
        m->ref_n = n;
        m->ref_d = d;
        m->ref_dv = dv;
    }
    q = reinterpret_cast<float*>(m->ref.p);
    float* k = q + nd;
    float* v = k + nd;
    float* o = v + nv;
    float* g = o + nv;
    const float one = 1.0f, zero = 0.0f;
    auto gemms = [&] {
        // the same calls as the engine's logits and PV GEMMs (gemm_group)
        check_blas(cublasSgemm(m->blas, CUBLAS_OP_T, CUBLAS_OP_N, n, n, d, &one, k, d, q, d, &zero, g, n),
                   "cublasSgemm");
        if (include_pv)
            check_blas(cublasSgemm(m->blas, CUBLAS_OP_N, CUBLAS_OP_N, dv, n, n, &one, v, dv, g, n, &zero, o, dv),
                       "cublasSgemm");
    };
    if (fresh) {
        launch_fill_random(q, 2 * nd + nv, 12345u, m->stream);
        gemms();  // warm-up: handle, kernels, clocks
    }
    check(cudaEventRecord(m->ev_start, m->stream), "cudaEventRecord");
    gemms();
    check(cudaEventRecord(m->ev_stop, m->stream), "cudaEventRecord");
    check(cudaStreamSynchronize(m->stream), "cudaStreamSynchronize");
    float ms = 0.0f;
    check(cudaEventElapsedTime(&ms, m->ev_start, m->ev_stop), "cudaEventElapsedTime");
    return static_cast<double>(ms);
}

void Engine::set_tf32(bool on) {
    std::lock_guard lock(m->mutex);
    m->tf32 = on;
    if (!m->reason)
        check_blas(cublasSetMathMode(m->blas, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                   "cublasSetMathMode");
    m->clear_graphs();
}

bool Engine::tf32() const { return m->tf32; }

void Engine::set_graphs(bool on) {
    std::lock_guard lock(m->mutex);
    m->use_graphs = on;
}

}  // namespace attnscope::kernels::gpu
