// cuda_backend.cpp — AttentionBackend on the CUDA engine: validates each problem as the reference does, sizes the
// Eigen results, hands the engine raw pointers (no Eigen crosses into .cu files) and fills the host-side parts
// (explicit temperatures, SSA's tau, LSSA's lambda).
#include "kernels/cuda/cuda_backend.hpp"

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "kernels/cuda/cuda_backend_factory.hpp"
#include "kernels/cuda/cuda_jobs.hpp"
#include "kernels/cuda/row_setup.hpp"

namespace attnscope::kernels {
namespace {

std::vector<float> to_float(const std::vector<double>& x) { return {x.begin(), x.end()}; }

// Results are often the caller's from the previous edit: keep their allocations (Eigen's resize to the same shape
// is free), clear only what this run does not fill.
void clear_metrics(RowMetrics& m) {
    for (auto* v : {&m.entropy, &m.entropy_normalised, &m.effective_support, &m.participation_ratio, &m.spikiness,
                    &m.max_weight, &m.topk_mass, &m.gini})
        v->clear();
    for (auto* v : {&m.count_above, &m.count_above_uniform, &m.support_size}) v->clear();
}

void clear_extras_except(VariantExtras<float>& e, VariantKind kind, bool want) {
    const bool ssa = want && kind == VariantKind::Ssa, sel = want && kind == VariantKind::Selective;
    const bool lssa = want && (kind == VariantKind::Lssa || kind == VariantKind::Lssar);
    const bool va = want && (kind == VariantKind::VaOblivious || kind == VariantKind::VaAware);
    if (!ssa) e.tau_q.clear(), e.tau_v.clear();
    if (!sel) e.sel_s.resize(0, 0), e.sel_f.resize(0, 0), e.pruned.resize(0, 0);
    if (!lssa) e.lambda.clear();
    if (!(want && kind == VariantKind::Lssar)) e.lssa_weights.resize(0, 0);
    if (!va) e.exact_weights.resize(0, 0), e.exact_output.resize(0, 0), e.error_l2.clear();
}

void size_metrics(RowMetrics& m, std::size_t n) {
    for (auto* v : {&m.entropy, &m.entropy_normalised, &m.effective_support, &m.participation_ratio, &m.spikiness,
                    &m.max_weight, &m.topk_mass, &m.gini})
        v->assign(n, 0.0);
    for (auto* v : {&m.count_above, &m.count_above_uniform, &m.support_size}) v->assign(n, 0);
}

}  // namespace

bool CudaBackend::supports(VariantKind kind, const VariantParams& params) const {
    // The value-aware solvers keep their small linear systems in fixed arrays of kMaxAwareR.
    if (kind == VariantKind::VaAware) return params.r <= rowmath::kMaxAwareR;
    return true;
}

void CudaBackend::run(std::span<const BackendProblem> batch, const BackendOptions& options,
                      std::span<BackendResult> results) {
    if (auto reason = unavailable_reason())
        throw InputError("--backend", "the CUDA backend is unavailable: " + *reason,
                         "use --backend cpu, or run on a machine with an NVIDIA GPU and driver");
    if (results.size() != batch.size())
        throw InputError(
            "results",
            "has " + std::to_string(results.size()) + " entries for a batch of " + std::to_string(batch.size()),
            "pass one BackendResult per problem");
    std::vector<gpu::EngineProblem> problems(batch.size());
    std::vector<MatF> keep;  // float copies of selection heads, alive until the engine has read them
    keep.reserve(2 * batch.size());
    for (std::size_t t = 0; t < batch.size(); ++t) {
        const BackendProblem& bp = batch[t];
        if (!bp.params || !bp.q || !bp.k || !bp.v)
            throw InputError("batch[" + std::to_string(t) + "]", "has a null params, q, k or v",
                             "point every BackendProblem at its matrices");
        const VariantParams& params = *bp.params;
        const int n = static_cast<int>(bp.q->rows()), d = static_cast<int>(bp.q->cols());
        const int dv = static_cast<int>(bp.v->cols());
        if (bp.k->rows() != n || bp.k->cols() != d || bp.v->rows() != n)
            throw InputError("batch[" + std::to_string(t) + "]",
                             "Q, K and V do not have the same number of rows "
                             "(K must also have Q's width)",
                             "give (n, d), (n, d) and (n, dv) matrices");
        reference::validate(bp.kind, {n, d, dv, bp.causal}, params);
        if (!supports(bp.kind, params))
            throw InputError("params.r",
                             "is " + std::to_string(params.r) +
                                 "; the CUDA value-aware solver handles r <= " + std::to_string(rowmath::kMaxAwareR),
                             "use r <= " + std::to_string(rowmath::kMaxAwareR) + " or --backend cpu");

        gpu::EngineProblem& p = problems[t];
        p.prm = rowmath::make_row_params(bp.kind, params, n, d, dv, bp.causal);
        p.q = bp.q->data();
        p.k = bp.k->data();
        p.v = bp.v->data();
        if (bp.kind == VariantKind::Selective) {
            if (params.sel_q) p.sel_q = keep.emplace_back(params.sel_q->cast<float>()).data();
            if (params.sel_k) p.sel_k = keep.emplace_back(params.sel_k->cast<float>()).data();
        }
        std::vector<double> tau_q, tau_v, lambda;
        if (bp.kind == VariantKind::Ssa) {
            tau_q = rowmath::ssa_tau(params.ssa_q, *bp.q);
            tau_v = rowmath::ssa_tau_v(params, *bp.v);
            p.tau_q = to_float(tau_q);
            if (params.value_temp) p.tau_v = to_float(tau_v);
        }
        if (bp.kind == VariantKind::Lssa || bp.kind == VariantKind::Lssar)
            lambda = rowmath::lssa_lambdas(params, n, d, bp.causal);

        AttentionResult<float>& r = results[t].result;
        r.kind = bp.kind;
        r.causal = bp.causal;
        r.temperature = rowmath::explicit_temperature(bp.kind, params, n, d, tau_q, lambda);
        r.output.resize(n, dv);
        p.output = r.output.data();
        if (options.want_weights) {
            r.weights.resize(n, n);
            p.weights = r.weights.data();
        } else {
            r.weights.resize(0, 0);
        }
        clear_metrics(r.metrics);
        r.implied_temperature.clear();
        r.implied_flag.clear();
        clear_extras_except(r.extras, bp.kind, options.want_extras);
        if (options.want_metrics) {
            size_metrics(r.metrics, static_cast<std::size_t>(n));
            RowMetrics& m = r.metrics;
            double* doubles[] = {m.entropy.data(),           m.entropy_normalised.data(),
                                 m.effective_support.data(), m.participation_ratio.data(),
                                 m.spikiness.data(),         m.max_weight.data(),
                                 m.topk_mass.data(),         m.gini.data()};
            for (int c = 0; c < gpu::kMetricDoubles; ++c) p.metrics[c] = doubles[c];
            p.metric_ints[0] = m.count_above.data();
            p.metric_ints[1] = m.count_above_uniform.data();
            p.metric_ints[2] = m.support_size.data();
        }
        if (options.want_implied) {
            r.implied_temperature.assign(static_cast<std::size_t>(n), kUndefined);
            r.implied_flag.assign(static_cast<std::size_t>(n), ImpliedTemperatureFlag::Undefined);
            p.implied_value = r.implied_temperature.data();
            static_assert(sizeof(ImpliedTemperatureFlag) == 1);
            p.implied_flag = reinterpret_cast<std::uint8_t*>(r.implied_flag.data());
        }
        if (options.want_extras) {
            VariantExtras<float>& e = r.extras;
            switch (bp.kind) {
                case VariantKind::Ssa:
                    e.tau_q = tau_q;
                    e.tau_v = tau_v;
                    break;
                case VariantKind::Selective:
                    e.sel_s.resize(n, n);
                    e.sel_f.resize(n, n);
                    e.pruned.resize(n, n);
                    p.extra_s = e.sel_s.data();
                    p.extra_f = e.sel_f.data();
                    p.extra_pruned = e.pruned.data();
                    break;
                case VariantKind::Lssa:
                    e.lambda = lambda;
                    break;
                case VariantKind::Lssar:
                    e.lambda = lambda;
                    e.lssa_weights.resize(n, n);
                    p.extra_aux = e.lssa_weights.data();
                    break;
                case VariantKind::VaOblivious:
                case VariantKind::VaAware:
                    e.exact_weights.resize(n, n);
                    e.exact_output.resize(n, dv);
                    e.error_l2.assign(static_cast<std::size_t>(n), 0.0);
                    p.extra_aux = e.exact_weights.data();
                    p.extra_exact_output = e.exact_output.data();
                    p.extra_error_l2 = e.error_l2.data();
                    break;
                default:
                    break;
            }
        }
        if (options.display_rows <= 0 || options.display_cols <= 0) {
            results[t].display_map.resize(0, 0);
        } else {
            results[t].display_map.resize(options.display_rows, options.display_cols);
            p.display = results[t].display_map.data();
            p.display_rows = options.display_rows;
            p.display_cols = options.display_cols;
        }
    }
    try {
        m_engine.run(problems);
    } catch (const gpu::EngineTooLarge& e) {
        throw InputError("n", std::string("is too large for the GPU: ") + e.what(),
                         "use a shorter sequence, fewer heads or variants at once, or --backend cpu");
    }
}

std::optional<double> CudaBackend::reference_gemm_ms(int n, int d, int dv) {
    return m_engine.reference_gemm_ms(n, d, dv, true);
}

std::optional<double> CudaBackend::logits_gemm_ms(int n, int d) { return m_engine.reference_gemm_ms(n, d, 1, false); }

std::unique_ptr<AttentionBackend> make_cuda_backend() {
    auto backend = std::make_unique<CudaBackend>();
    // ATTNSCOPE_CUDA_TF32=1 runs the GEMMs on TF32 tensor cores (faster; about 1e-3 relative logit error).
    if (const char* tf32 = std::getenv("ATTNSCOPE_CUDA_TF32");
        tf32 && std::string(tf32) == "1" && !backend->unavailable_reason())
        backend->set_tf32(true);
    return backend;
}

}  // namespace attnscope::kernels
