// cpu_backend.cpp — the CPU backend: validation and set-up per problem, then every (problem, row block) task of a
// batch in one OpenMP loop, largest first, so six variants of a lab scene share both cores evenly.
#include "kernels/cpu/cpu_backend.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "kernels/cpu/cpu_prepare.hpp"
#include "kernels/cpu/cpu_session.hpp"
#include "kernels/cpu/cpu_sweep.hpp"

namespace attnscope::kernels {
namespace {

using cpu::Prepared;
using cpu::ThreadScratch;

struct Task {
    std::size_t problem;
    Eigen::Index i0, i1;
    double cost;
};

class CpuBackend final : public AttentionBackend {
public:
    std::string_view name() const override { return "cpu"; }
    std::optional<std::string> unavailable_reason() const override { return std::nullopt; }
    bool supports(VariantKind, const VariantParams&) const override { return true; }

    void run(std::span<const BackendProblem> batch, const BackendOptions& options,
             std::span<BackendResult> results) override {
        if (results.size() != batch.size())
            throw std::invalid_argument("CpuBackend::run: results.size() must equal batch.size()");
        // One batch at a time: the buffers below are reused across runs (no page faults on a 64 MiB map per
        // frame), and each batch already uses every core.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_prepared.resize(std::max(m_prepared.size(), batch.size()));
        for (std::size_t k = 0; k < batch.size(); ++k) cpu::prepare(batch[k], options, m_prepared[k], results[k]);
        for (std::size_t k = 0; k < batch.size(); ++k) cpu::allocate_result(m_prepared[k], options, results[k]);
        run_prepared(batch.size(), options, results);
    }

    std::optional<double> reference_gemm_ms(int n, int d, int dv) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        GemmOperands& g = m_gemm[std::make_tuple(n, d, dv)];
        if (g.q.size() == 0) {
            g.q = MatF::Random(n, d);
            g.k = MatF::Random(n, d);
            g.v = MatF::Random(n, dv);
            g.s.resize(n, n);
            g.o.resize(n, dv);
        }
        const auto t0 = std::chrono::steady_clock::now();
        g.s.noalias() = g.q * g.k.transpose();  // Eigen's own OpenMP threads: the same cores the fused path uses
        g.o.noalias() = g.s * g.v;
        const auto t1 = std::chrono::steady_clock::now();
        return std::chrono::duration<double, std::milli>(t1 - t0).count();
    }

    std::unique_ptr<AttentionSession> open_session(std::span<const BackendProblem> batch,
                                                   const BackendOptions& options) override {
        return cpu::open_cpu_session(batch, options);
    }

private:
    void run_prepared(std::size_t count, const BackendOptions& options, std::span<BackendResult> results) {
        m_tasks.clear();
        for (std::size_t k = 0; k < count; ++k) {
            const Prepared& p = m_prepared[k];
            const Eigen::Index b = cpu::block_rows(p.n);
            for (Eigen::Index i0 = 0; i0 < p.n; i0 += b) {
                const Eigen::Index i1 = std::min(i0 + b, p.n);
                const double cols = p.causal ? 0.5 * static_cast<double>(i0 + i1) : static_cast<double>(p.n);
                m_tasks.push_back({k, i0, i1, static_cast<double>(i1 - i0) * cols});
            }
        }
        // Largest first: the causal tail blocks are the long ones; dynamic scheduling then fills the gaps.
        std::stable_sort(m_tasks.begin(), m_tasks.end(), [](const Task& a, const Task& b) { return a.cost > b.cost; });
        const int threads = omp_get_max_threads();
        if (static_cast<int>(m_scratch.size()) < threads) m_scratch.resize(threads);
        std::exception_ptr error;
        std::mutex error_mutex;
#pragma omp parallel for schedule(dynamic, 1)
        for (std::size_t t = 0; t < m_tasks.size(); ++t) {
            try {
                const Task& task = m_tasks[t];
                cpu::sweep_block(m_prepared[task.problem], task.i0, task.i1, options, results[task.problem],
                                 m_scratch[omp_get_thread_num()]);
            } catch (...) {
                std::lock_guard<std::mutex> g(error_mutex);
                if (!error) error = std::current_exception();
            }
        }
        if (error) std::rethrow_exception(error);
    }

    struct GemmOperands {
        MatF q, k, v, s, o;
    };

    std::mutex m_mutex;
    std::vector<Prepared> m_prepared;
    std::vector<ThreadScratch> m_scratch;
    std::vector<Task> m_tasks;
    std::map<std::tuple<int, int, int>, GemmOperands> m_gemm;
};

}  // namespace

std::unique_ptr<AttentionBackend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace attnscope::kernels
