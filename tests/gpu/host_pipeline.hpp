// host_pipeline.hpp — one problem computed the way the CUDA engine computes it, on the CPU: float GEMMs as plain
// loops, selective's F as the same column prefix sum, and every row through row_programs.hpp with the serial
// executor. What the GPU adds on top (block reductions, bitonic sorts, batching, graphs) is checked by
// cuda_conformance_test where a GPU exists; the arithmetic below runs on every machine.
#pragma once

#include <climits>
#include <vector>

#include "core/attention_input.hpp"
#include "core/attention_result.hpp"
#include "kernels/cuda/row_setup.hpp"
#include "kernels/cuda/serial_exec.hpp"

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

inline AttentionResult<float> host_pipeline(VariantKind kind, const AttentionInput<double>& in_d,
                                            const VariantParams& params, bool want_metrics = true) {
    using namespace rowmath;
    const MatF q = in_d.q.cast<float>(), k = in_d.k.cast<float>(), v = in_d.v.cast<float>();
    const int n = static_cast<int>(q.rows()), d = static_cast<int>(q.cols()), dv = static_cast<int>(v.cols());
    const RowParams prm = make_row_params(kind, params, n, d, dv, in_d.causal);
    AttentionResult<float> r;
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
        if (prm.has_budget) {
            SerialExec ex(n, dv);
            budget_evictions(ex, prm, f.data(), evict.data());
        }
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

    MatF w = MatF::Zero(n, n), aux = MatF::Zero(n, n);
    MaskMat pruned = MaskMat::Zero(n, n);
    SerialExec ex(n, dv);
    for (int i = 0; i < n; ++i) {
        RowInputs ri;
        ri.g = g.data() + static_cast<std::ptrdiff_t>(i) * n;
        if (kind == VariantKind::Ssa) ri.tau = static_cast<float>(tau_q[i]);
        if (kind == VariantKind::Selective) ri.f = f.data() + static_cast<std::ptrdiff_t>(i) * n;
        ri.evict = evict.data();
        ri.inv_norm_q = inv_q[i];
        ri.inv_norm_k = inv_k.data();
        RowExtrasOut out;
        out.aux = aux.data() + static_cast<std::ptrdiff_t>(i) * n;
        out.pruned = pruned.data() + static_cast<std::ptrdiff_t>(i) * n;
        float* x = ex.row();
        variant_row(ex, prm, i, ri, out, x);
        const int m = support_len(prm, i);
        for (int j = 0; j < m; ++j) w(i, j) = x[j];
    }
    if (kind == VariantKind::VaAware) {
        const MatF o_exact = float_pv(aux, v);
        for (int i = 0; i < n; ++i) {
            double* o = ex.dvec();
            for (int e = 0; e < dv; ++e) o[e] = o_exact(i, e);
            float* x = ex.row();
            va_aware_row(ex, prm, i, v.data(), o, x);
            w.row(i).setZero();
            for (int j = 0; j < support_len(prm, i); ++j) w(i, j) = x[j];
        }
    }
    r.weights = w;
    r.output = float_pv(w, v_eff);
    switch (kind) {
        case VariantKind::Selective:
            r.extras.sel_f = f;
            r.extras.sel_s = s;
            r.extras.pruned = pruned;
            break;
        case VariantKind::Lssar: r.extras.lssa_weights = aux; break;
        case VariantKind::VaOblivious:
        case VariantKind::VaAware: {
            r.extras.exact_weights = aux;
            r.extras.exact_output = float_pv(aux, v);
            r.extras.error_l2.resize(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i)
                r.extras.error_l2[i] = (r.output.row(i).cast<double>() - r.extras.exact_output.row(i).cast<double>()).norm();
            break;
        }
        default: break;
    }
    if (want_metrics) {
        RowMetrics& m = r.metrics;
        for (auto* a : {&m.entropy, &m.entropy_normalised, &m.effective_support, &m.participation_ratio, &m.spikiness,
                        &m.max_weight, &m.topk_mass, &m.gini})
            a->assign(static_cast<std::size_t>(n), 0.0);
        for (auto* a : {&m.count_above, &m.count_above_uniform, &m.support_size}) a->assign(static_cast<std::size_t>(n), 0);
        MetricsOut mo{m.entropy.data(),   m.entropy_normalised.data(), m.effective_support.data(),
                      m.participation_ratio.data(), m.spikiness.data(), m.max_weight.data(),
                      m.topk_mass.data(), m.gini.data(),     m.count_above.data(),
                      m.count_above_uniform.data(), m.support_size.data()};
        for (int i = 0; i < n; ++i) {
            float* x = ex.row();
            for (int j = 0; j < support_len(prm, i); ++j) x[j] = w(i, j);
            row_metrics(ex, prm, i, x, mo);
        }
    }
    return r;
}

}  // namespace attnscope::gputest
