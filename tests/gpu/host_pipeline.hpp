// host_pipeline.hpp — one problem computed the way the CUDA engine computes it, on the CPU: float GEMMs as plain
// loops, selective's F as the same column prefix sum, and every row through row_programs.hpp, either with the
// serial executor or with T CPU threads standing in for a thread block (thread_exec.hpp). Per row it does what the
// fused kernel does (row_kernels.cu): the variant, the weights row, the display pool, then the metrics. What only
// the GPU adds (warp shuffles, shared memory, batching, graphs) is checked by cuda_conformance_test where a GPU
// exists; the arithmetic and the block structure below run on every machine.
#pragma once

#include <climits>
#include <vector>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "kernels/cuda/row_setup.hpp"
#include "kernels/cuda/serial_exec.hpp"
#include "tests/gpu/thread_exec.hpp"

namespace attnscope::gputest {

// c (n, n) = a (n, d) . b (n, d)^T in float, one running float sum per entry (a GEMM's error model).
inline MatF float_dots(const MatF& a, const MatF& b) {
    MatF c(a.rows(), b.rows());
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < b.rows(); ++j) {
            float s = 0.0f;
            for (Eigen::Index e = 0; e < a.cols(); ++e) s += a(i, e) * b(j, e);
            c(i, j) = s;
        }
    return c;
}

// c (n, dv) = w (n, n) . v (n, dv) in float.
inline MatF float_pv(const MatF& w, const MatF& v) {
    MatF c = MatF::Zero(w.rows(), v.cols());
    for (Eigen::Index i = 0; i < w.rows(); ++i)
        for (Eigen::Index e = 0; e < v.cols(); ++e) {
            float s = 0.0f;
            for (Eigen::Index j = 0; j < w.cols(); ++j) s += w(i, j) * v(j, e);
            c(i, e) = s;
        }
    return c;
}

// threads = 0: the serial executor; otherwise that many threads per row.
struct PipelineOptions {
    int threads = 0;
    bool want_metrics = true;
    bool want_implied = false;
    int display_rows = 0, display_cols = 0;
};

struct PipelineResult {
    AttentionResult<float> result;
    MatF display;
};

template <class Fn>
void for_rows(const PipelineOptions& opt, int n, int dv, int rows, Fn&& fn) {
    if (opt.threads <= 0) {
        rowmath::SerialExec ex(n, dv);
        for (int i = 0; i < rows; ++i) fn(ex, i);
    } else {
        run_rows_threaded(opt.threads, n, dv, rows, [&](ThreadExec& ex, int i) { fn(ex, i); });
    }
}

inline PipelineResult host_pipeline_full(VariantKind kind, const AttentionInput<double>& in_d,
                                         const VariantParams& params, const PipelineOptions& opt) {
    using namespace rowmath;
    const MatF q = in_d.q.cast<float>(), k = in_d.k.cast<float>(), v = in_d.v.cast<float>();
    const int n = static_cast<int>(q.rows()), d = static_cast<int>(q.cols()), dv = static_cast<int>(v.cols());
    const RowParams prm = make_row_params(kind, params, n, d, dv, in_d.causal);
    PipelineResult out;
    AttentionResult<float>& r = out.result;
    r.kind = kind;
    r.causal = in_d.causal;
    const MatF g = float_dots(q, k);

    // selective: S, F (double running sums down the columns, like the chunked scan), evictions
    MatF f, s;
    std::vector<int> evict(static_cast<std::size_t>(n), INT_MAX);
    if (kind == VariantKind::Selective) {
        const MatF gs = (params.sel_q || params.sel_k)
                            ? float_dots(params.sel_q ? MatF(params.sel_q->cast<float>()) : q,
                                         params.sel_k ? MatF(params.sel_k->cast<float>()) : k)
                            : g;
        f = MatF::Zero(n, n);
        s = MatF::Zero(n, n);
        for (int j = 0; j < n; ++j) {
            double run = 0.0;
            for (int i = 0; i < n; ++i) {
                f(i, j) = static_cast<float>(run);
                s(i, j) = selection_score(prm.sel_scale, gs(i, j), i, j, prm.protect_bos);
                run += s(i, j);
            }
        }
        if (prm.has_budget)
            for_rows(opt, n, dv, 1, [&](auto& ex, int) { budget_evictions(ex, prm, f.data(), evict.data()); });
    }
    // lssa: 1 / max(|x|, 1e-12) per row (double sum, float result, as inv_norms_kernel)
    std::vector<float> inv_q(static_cast<std::size_t>(n)), inv_k(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        inv_q[i] = static_cast<float>(1.0 / std::max(q.row(i).cast<double>().norm(), 1e-12));
        inv_k[i] = static_cast<float>(1.0 / std::max(k.row(i).cast<double>().norm(), 1e-12));
    }
    std::vector<double> tau_q, tau_v, lambda;
    MatF v_eff = v;
    if (kind == VariantKind::Ssa) {
        tau_q = ssa_tau(params.ssa_q, q);
        tau_v = ssa_tau_v(params, v);
        for (int j = 0; j < n; ++j) v_eff.row(j) *= static_cast<float>(tau_v[j]);
        r.extras.tau_q = tau_q;
        r.extras.tau_v = tau_v;
    }
    if (kind == VariantKind::Lssa || kind == VariantKind::Lssar) {
        lambda = lssa_lambdas(params, n, d, in_d.causal);
        r.extras.lambda = lambda;
    }
    r.temperature = explicit_temperature(kind, params, n, d, tau_q, lambda);

    RowMetrics& rm = r.metrics;
    if (opt.want_metrics || opt.want_implied) {
        for (auto* a : {&rm.entropy, &rm.entropy_normalised, &rm.effective_support, &rm.participation_ratio,
                        &rm.spikiness, &rm.max_weight, &rm.topk_mass, &rm.gini})
            a->assign(static_cast<std::size_t>(n), 0.0);
        for (auto* a : {&rm.count_above, &rm.count_above_uniform, &rm.support_size})
            a->assign(static_cast<std::size_t>(n), 0);
    }
    const MetricsOut mo{rm.entropy.data(),           rm.entropy_normalised.data(),
                        rm.effective_support.data(), rm.participation_ratio.data(),
                        rm.spikiness.data(),         rm.max_weight.data(),
                        rm.topk_mass.data(),         rm.gini.data(),
                        rm.count_above.data(),       rm.count_above_uniform.data(),
                        rm.support_size.data()};
    std::vector<std::uint32_t> display(static_cast<std::size_t>(opt.display_rows) * opt.display_cols, 0u);

    MatF w = MatF::Zero(n, n), aux = MatF::Zero(n, n);
    MaskMat pruned = MaskMat::Zero(n, n);
    // the fused kernel's finish: the weights row, the display pool, the metrics (which sort x in place)
    auto finish = [&](auto& ex, int i, float* x) {
        const int m = support_len(prm, i);
        for (int j = ex.first(); j < m; j += ex.step()) w(i, j) = x[j];
        if (!display.empty()) pool_row(ex, x, m, i, n, opt.display_rows, opt.display_cols, display.data());
        ex.sync();
        if (!rm.entropy.empty()) row_metrics(ex, prm, i, x, mo);
    };
    for_rows(opt, n, dv, n, [&](auto& ex, int i) {
        RowInputs ri;
        ri.g = g.data() + static_cast<std::ptrdiff_t>(i) * n;
        if (kind == VariantKind::Ssa) ri.tau = static_cast<float>(tau_q[i]);
        if (kind == VariantKind::Selective) ri.f = f.data() + static_cast<std::ptrdiff_t>(i) * n;
        ri.evict = evict.data();
        ri.inv_norm_q = inv_q[i];
        ri.inv_norm_k = inv_k.data();
        RowExtrasOut eo;
        eo.aux = aux.data() + static_cast<std::ptrdiff_t>(i) * n;
        eo.pruned = pruned.data() + static_cast<std::ptrdiff_t>(i) * n;
        float* x = ex.row();
        variant_row(ex, prm, i, ri, eo, x);
        if (kind != VariantKind::VaAware) finish(ex, i, x);
    });
    if (kind == VariantKind::VaAware) {
        const MatF o_exact = float_pv(aux, v);
        for_rows(opt, n, dv, n, [&](auto& ex, int i) {
            double* o = ex.dvec();
            for (int e = ex.first(); e < dv; e += ex.step()) o[e] = o_exact(i, e);
            ex.sync();
            float* x = ex.row();
            va_aware_row(ex, prm, i, v.data(), o, x);
            finish(ex, i, x);
        });
    }
    if (opt.want_implied) {
        r.implied_temperature.assign(static_cast<std::size_t>(n), 0.0);
        r.implied_flag.assign(static_cast<std::size_t>(n), ImpliedTemperatureFlag::Undefined);
        const float inv_sqrt_d = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
        for_rows(opt, n, dv, n, [&](auto& ex, int i) {
            const int m = support_len(prm, i);
            float* b = ex.row();
            for (int j = ex.first(); j < m; j += ex.step()) b[j] = g(i, j) * inv_sqrt_d;
            ex.sync();
            double value = 0.0;
            std::uint8_t flag = kImpliedUndefined;
            implied_temperature_row(ex, b, m, rm.entropy[i], value, flag);
            if (ex.leader()) {
                r.implied_temperature[i] = value;
                r.implied_flag[i] = static_cast<ImpliedTemperatureFlag>(flag);
            }
        });
    }
    if (!opt.want_metrics) rm = RowMetrics{};
    r.weights = w;
    r.output = float_pv(w, v_eff);
    switch (kind) {
        case VariantKind::Selective:
            r.extras.sel_f = f;
            r.extras.sel_s = s;
            r.extras.pruned = pruned;
            break;
        case VariantKind::Lssar:
            r.extras.lssa_weights = aux;
            break;
        case VariantKind::VaOblivious:
        case VariantKind::VaAware: {
            r.extras.exact_weights = aux;
            r.extras.exact_output = float_pv(aux, v);
            r.extras.error_l2.resize(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i)
                r.extras.error_l2[i] =
                    (r.output.row(i).cast<double>() - r.extras.exact_output.row(i).cast<double>()).norm();
            break;
        }
        default:
            break;
    }
    if (!display.empty()) {
        out.display.resize(opt.display_rows, opt.display_cols);
        for (std::size_t t = 0; t < display.size(); ++t) out.display.data()[t] = bits_float(display[t]);
    }
    return out;
}

inline AttentionResult<float> host_pipeline(VariantKind kind, const AttentionInput<double>& in_d,
                                            const VariantParams& params, int threads = 0) {
    PipelineOptions opt;
    opt.threads = threads;
    return host_pipeline_full(kind, in_d, params, opt).result;
}

}  // namespace attnscope::gputest
