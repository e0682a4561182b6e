#include "probe.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"

namespace attnscope::model {

namespace {

Vec<float> softmax_row(const Mat<float>& logits, int row) {
    Vec<float> p = logits.row(row).transpose();
    p = (p.array() - p.maxCoeff()).exp();
    return p / p.sum();
}

}  // namespace

double kl_divergence(const Vec<float>& p, const Vec<float>& q) {
    double kl = 0;
    for (Eigen::Index i = 0; i < p.size(); ++i)
        if (p(i) > 0) kl += p(i) * (std::log(static_cast<double>(p(i))) - std::log(std::max(1e-30, static_cast<double>(q(i)))));
    return std::max(0.0, kl);
}

VariantParams swap_params(const Transformer<float>& m, VariantKind kind, int layer, int head, const MatF& q0,
                          const MatF& k0) {
    VariantParams p;
    const ModelConfig& c = m.config();
    const int dh = c.head_dim();
    if (kind == VariantKind::Ssa && c.variant == VariantKind::Ssa) {
        auto val = [&](const char* name, int i) {
            return static_cast<double>(m.tensor(ParamLayout::layer_name(layer, name))(i));
        };
        auto vec = [&](const char* name) {
            std::vector<double> w(static_cast<std::size_t>(dh));
            for (int i = 0; i < dh; ++i) w[static_cast<std::size_t>(i)] = val(name, head * dh + i);
            return w;
        };
        p.ssa_q.alpha = val("attn.ssa.alpha_q", head);
        p.ssa_q.w_tok = vec("attn.ssa.w_q");
        p.ssa_q.b_tok = val("attn.ssa.b_q", head);
        p.ssa_v.alpha = val("attn.ssa.alpha_v", head);
        p.ssa_v.w_tok = vec("attn.ssa.w_v");
        p.ssa_v.b_tok = val("attn.ssa.b_v", head);
    }
    if (kind == VariantKind::Selective && head > 0) {
        p.sel_q = q0.cast<double>();
        p.sel_k = k0.cast<double>();
    }
    if (kind == VariantKind::VaAware && q0.rows() > 32) p.solver = Solver::Greedy;
    return p;
}

ProbeResult probe(Transformer<float>& m, const ProbeRequest& rq) {
    const ModelConfig& c = m.config();
    const int n = static_cast<int>(rq.tokens.size());
    if (n < 1) throw InputError("tokens", "the sequence is empty", "type or generate some tokens");
    if (rq.layer < 0 || rq.layer >= c.n_layers)
        throw InputError("layer", std::to_string(rq.layer) + " is out of range", "pick 0.." + std::to_string(c.n_layers - 1));
    if (rq.head < 0 || rq.head >= c.n_heads)
        throw InputError("head", std::to_string(rq.head) + " is out of range", "pick 0.." + std::to_string(c.n_heads - 1));
    ProbeResult r;
    r.position = rq.position < 0 ? n - 1 : rq.position;
    if (r.position >= n) throw InputError("position", "is past the sequence", "pick a position below " + std::to_string(n));
    if (rq.override_qk) {
        const ProbeOverride& o = *rq.override_qk;
        if (o.token < 0 || o.token >= n || o.vec.size() != c.head_dim())
            throw InputError("override", "token or vector size does not fit", "drag a point of the current sequence");
    }

    ForwardHooks<float> hooks;
    hooks.edit = [&](int layer, int, auto& q, auto& k, auto&) {
        if (layer != rq.layer || !rq.override_qk) return;
        const ProbeOverride& o = *rq.override_qk;
        (o.is_query ? q : k)[static_cast<std::size_t>(rq.head)].row(o.token) = o.vec.cast<float>().transpose();
    };
    hooks.observe = [&](int layer, int, const auto& q, const auto& k, const auto& v, const AttentionCache<float>& cache) {
        if (layer != rq.layer) return;
        const auto h = static_cast<std::size_t>(rq.head);
        r.q = q[h];
        r.k = k[h];
        r.v = v[h];
        r.own_weights = cache.heads[h].w;
        r.all_heads.clear();
        for (const auto& hc : cache.heads) r.all_heads.push_back(hc.w);
    };
    r.own_probs = softmax_row(m.logits(rq.tokens, &hooks), r.position);

    for (VariantKind kind : rq.variants) {
        VariantProbe vp;
        vp.kind = kind;
        ForwardHooks<float> swap;
        swap.edit = hooks.edit;
        std::string error;
        swap.replace = [&](int layer, int, const auto& q, const auto& k, const auto& v, auto& out) {
            if (layer != rq.layer) return false;
            out.resize(q.size());
            for (std::size_t h = 0; h < q.size(); ++h) {
                const VariantParams params = swap_params(m, kind, layer, static_cast<int>(h), q[0], k[0]);
                try {
                    const AttentionResult<float> res = reference::attend<float>(kind, {q[h], k[h], v[h], true}, params);
                    out[h] = res.output;
                    if (static_cast<int>(h) == rq.head) vp.weights = res.weights;
                } catch (const InputError& e) {
                    error = e.what();
                    out[h] = Mat<float>::Zero(q[h].rows(), v[h].cols());
                }
            }
            return true;
        };
        const Vec<float> probs = softmax_row(m.logits(rq.tokens, &swap), r.position);
        if (!error.empty()) {
            vp.error = error;
            vp.weights.resize(0, 0);
        } else {
            vp.next_probs = probs;
            vp.kl_from_own = kl_divergence(r.own_probs, probs);
        }
        r.variants.push_back(std::move(vp));
    }
    return r;
}

}  // namespace attnscope::model
