#include "transformer.hpp"

#include <string>

#include "core/errors.hpp"
#include "rng.hpp"

namespace attnscope::model {

using Index = Eigen::Index;

template <class T>
struct Transformer<T>::LayerCache {
    Mat<T> x_in;  // (R, D) residual stream entering the layer
    LayerNormCache<T> ln1;
    Mat<T> h1;                                       // (R, D)
    std::vector<std::vector<Mat<T>>> q, k, v;        // [b][h] (n, dh), after RoPE
    std::vector<AttentionCache<T>> att;              // [b]
    Mat<T> att_out;                                  // (R, D) heads concatenated
    Mat<T> x_mid;                                    // (R, D) after the attention residual
    LayerNormCache<T> ln2;
    Mat<T> h2;  // (R, D)
    Mat<T> u;   // (R, F) before GELU
    Mat<T> f;   // (R, F) after GELU
};

template <class T>
struct Transformer<T>::Workspace {
    std::vector<LayerCache> layers;
    Mat<T> x_final;  // (R, D) before the final layer norm
    LayerNormCache<T> lnf;
    Mat<T> xf;       // (R, D)
    Mat<T> xf_rows;  // (S, D) the scored rows
};

template <class T>
Transformer<T>::Transformer(const ModelConfig& config)
    : m_config(config), m_layout(config), m_ws(std::make_shared<Workspace>()) {
    m_config.validate();
    m_params = Vec<T>::Zero(static_cast<Index>(m_layout.total()));
}

template <class T>
MapC<T> Transformer<T>::tensor(const std::string& name) const {
    const ParamInfo& p = m_layout.at(name);
    const Index rows = p.shape.size() == 2 ? p.shape[0] : 1;
    const Index cols = p.shape.size() == 2 ? p.shape[1] : p.shape[0];
    return MapC<T>(m_params.data() + p.offset, rows, cols);
}

template <class T>
void Transformer<T>::init(std::uint64_t seed) {
    Rng rng(seed);
    for (const ParamInfo& p : m_layout.tensors())
        for (std::size_t i = 0; i < p.size; ++i)
            m_params(static_cast<Index>(p.offset + i)) =
                p.init_std > 0 ? T(p.init_std * rng.normal()) : T(p.init_value);
}

template <class T>
void Transformer<T>::check_batch(std::span<const int> tokens, int n) const {
    if (n < 1 || tokens.empty() || tokens.size() % static_cast<std::size_t>(n) != 0)
        throw InputError("tokens", "batch of " + std::to_string(tokens.size()) + " tokens is not a multiple of n",
                         "pass whole sequences");
    for (std::size_t r = 0; r < tokens.size(); ++r)
        if (tokens[r] < 0 || tokens[r] >= m_config.vocab)
            throw InputError("tokens[" + std::to_string(r) + "]",
                             "token id " + std::to_string(tokens[r]) + " is outside the vocabulary of " +
                                 std::to_string(m_config.vocab),
                             "use tokens of the model's task");
    if (m_config.positions == PositionKind::Learned && n > m_config.max_positions)
        throw InputError("length", "sequence of " + std::to_string(n) + " tokens is longer than the " +
                                       std::to_string(m_config.max_positions) + " learned positions",
                         "evaluate at most " + std::to_string(m_config.max_positions) +
                             " tokens, or train with RoPE positions to go longer");
}

// [SECTION] forward -------------------------------------------------------------------------------------------------

template <class T>
void Transformer<T>::forward(std::span<const int> tokens, int n, const std::vector<int>& rows, Mat<T>& logits,
                             bool keep, const ForwardHooks<T>* hooks) {
    const ModelConfig& c = m_config;
    const int B = static_cast<int>(tokens.size()) / n, H = c.n_heads, D = c.d_model, dh = c.head_dim();
    const T* P = m_params.data();
    auto vec = [&](int l, const char* name) { return P + m_layout.at(ParamLayout::layer_name(l, name)).offset; };
    auto mat = [&](int l, const char* name) { return tensor(ParamLayout::layer_name(l, name)); };

    Workspace& ws = *m_ws;
    ws.layers.resize(static_cast<std::size_t>(c.n_layers));
    Mat<T> x;
    if (c.positions == PositionKind::Learned) {
        const MapC<T> pos = tensor("pos_emb");
        embed_forward<T>(tokens, n, tensor("tok_emb"), &pos, x);
    } else {
        embed_forward<T>(tokens, n, tensor("tok_emb"), nullptr, x);
    }

    for (int l = 0; l < c.n_layers; ++l) {
        LayerCache& L = ws.layers[static_cast<std::size_t>(l)];
        LayerCache tmp;
        LayerCache& S = keep ? L : tmp;  // without backward, nothing needs to outlive the layer
        S.x_in = x;
        layernorm_forward(x, vec(l, "ln1.g"), vec(l, "ln1.b"), S.h1, &S.ln1);
        Mat<T> qkv;
        linear_forward(S.h1, mat(l, "attn.wqkv"), vec(l, "attn.bqkv"), qkv);

        SsaView<T> ssa{};
        if (c.variant == VariantKind::Ssa)
            ssa = {vec(l, "attn.ssa.alpha_q"), vec(l, "attn.ssa.alpha_v"), vec(l, "attn.ssa.w_q"),
                   vec(l, "attn.ssa.b_q"),     vec(l, "attn.ssa.w_v"),     vec(l, "attn.ssa.b_v")};
        S.q.assign(static_cast<std::size_t>(B), {});
        S.k.assign(static_cast<std::size_t>(B), {});
        S.v.assign(static_cast<std::size_t>(B), {});
        S.att.assign(static_cast<std::size_t>(B), {});
        S.att_out.resize(static_cast<Index>(B) * n, D);

#pragma omp parallel for schedule(dynamic)
        for (int b = 0; b < B; ++b) {
            auto& q = S.q[b];
            auto& k = S.k[b];
            auto& v = S.v[b];
            q.resize(H);
            k.resize(H);
            v.resize(H);
            const Index r0 = static_cast<Index>(b) * n;
            for (int h = 0; h < H; ++h) {
                q[h] = qkv.block(r0, h * dh, n, dh);
                k[h] = qkv.block(r0, D + h * dh, n, dh);
                v[h] = qkv.block(r0, 2 * D + h * dh, n, dh);
                if (c.positions == PositionKind::Rope) {
                    rope_forward(q[h]);
                    rope_forward(k[h]);
                }
            }
            if (hooks && hooks->edit) hooks->edit(l, b, q, k, v);
            std::vector<Mat<T>> out;
            const bool replaced = hooks && hooks->replace && hooks->replace(l, b, q, k, v, out);
            if (!replaced) {
                attention_forward(c.variant, q, k, v, c.variant == VariantKind::Ssa ? &ssa : nullptr, out,
                                  &S.att[b]);
                if (hooks && hooks->observe) hooks->observe(l, b, q, k, v, S.att[b]);
                if (!keep) S.att[b] = {};
            }
            for (int h = 0; h < H; ++h) S.att_out.block(r0, h * dh, n, dh) = out[h];
        }

        Mat<T> a;
        linear_forward(S.att_out, mat(l, "attn.wo"), vec(l, "attn.bo"), a);
        x += a;
        S.x_mid = x;
        layernorm_forward(x, vec(l, "ln2.g"), vec(l, "ln2.b"), S.h2, &S.ln2);
        linear_forward(S.h2, mat(l, "mlp.w1"), vec(l, "mlp.b1"), S.u);
        gelu_forward(S.u, S.f);
        Mat<T> m;
        linear_forward(S.f, mat(l, "mlp.w2"), vec(l, "mlp.b2"), m);
        x += m;
    }

    ws.x_final = x;
    layernorm_forward(x, P + m_layout.at("lnf.g").offset, P + m_layout.at("lnf.b").offset, ws.xf, &ws.lnf);
    ws.xf_rows.resize(static_cast<Index>(rows.size()), D);
    for (std::size_t s = 0; s < rows.size(); ++s) ws.xf_rows.row(static_cast<Index>(s)) = ws.xf.row(rows[s]);
    const MapC<T> U = tensor(c.tied ? "tok_emb" : "unembed");
    logits.noalias() = ws.xf_rows * U.transpose();
}

// [SECTION] backward ------------------------------------------------------------------------------------------------

template <class T>
void Transformer<T>::backward(std::span<const int> tokens, int n, const std::vector<int>& rows,
                              const Mat<T>& dlogits, Vec<T>& grad) {
    const ModelConfig& c = m_config;
    const int B = static_cast<int>(tokens.size()) / n, H = c.n_heads, D = c.d_model, dh = c.head_dim();
    const Index R = static_cast<Index>(tokens.size());
    const T* P = m_params.data();
    T* G = grad.data();
    auto vec = [&](int l, const char* name) { return P + m_layout.at(ParamLayout::layer_name(l, name)).offset; };
    auto gvec = [&](int l, const char* name) { return G + m_layout.at(ParamLayout::layer_name(l, name)).offset; };
    auto mat = [&](int l, const char* name) { return tensor(ParamLayout::layer_name(l, name)); };
    auto gmat_named = [&](const std::string& name) {
        const ParamInfo& p = m_layout.at(name);
        const Index rows_ = p.shape.size() == 2 ? p.shape[0] : 1;
        const Index cols_ = p.shape.size() == 2 ? p.shape[1] : p.shape[0];
        return MapM<T>(G + p.offset, rows_, cols_);
    };
    auto gmat = [&](int l, const char* name) { return gmat_named(ParamLayout::layer_name(l, name)); };
    Workspace& ws = *m_ws;

    // logits = xf_rows U^T
    const std::string uname = c.tied ? "tok_emb" : "unembed";
    gmat_named(uname).noalias() += dlogits.transpose() * ws.xf_rows;
    Mat<T> dxf = Mat<T>::Zero(R, D);
    const Mat<T> dxr = dlogits * tensor(uname);
    for (std::size_t s = 0; s < rows.size(); ++s) dxf.row(rows[s]) += dxr.row(static_cast<Index>(s));
    Mat<T> dx;
    layernorm_backward(dxf, P + m_layout.at("lnf.g").offset, ws.lnf, dx, G + m_layout.at("lnf.g").offset,
                       G + m_layout.at("lnf.b").offset);

    for (int l = c.n_layers - 1; l >= 0; --l) {
        LayerCache& L = ws.layers[static_cast<std::size_t>(l)];
        // MLP residual: x_out = x_mid + W2 gelu(W1 LN2(x_mid))
        Mat<T> df, du, dh2, dtmp;
        linear_backward(L.f, mat(l, "mlp.w2"), dx, &df, gmat(l, "mlp.w2"), gvec(l, "mlp.b2"));
        gelu_backward(L.u, df, du);
        linear_backward(L.h2, mat(l, "mlp.w1"), du, &dh2, gmat(l, "mlp.w1"), gvec(l, "mlp.b1"));
        layernorm_backward(dh2, vec(l, "ln2.g"), L.ln2, dtmp, gvec(l, "ln2.g"), gvec(l, "ln2.b"));
        dx += dtmp;  // now d x_mid

        // attention residual: x_mid = x_in + Wo att_out
        Mat<T> datt;
        linear_backward(L.att_out, mat(l, "attn.wo"), dx, &datt, gmat(l, "attn.wo"), gvec(l, "attn.bo"));
        SsaView<T> ssa{};
        const bool is_ssa = c.variant == VariantKind::Ssa;
        const std::size_t ssa_per_head = static_cast<std::size_t>(4 + 2 * dh);
        std::vector<T> ssa_grads;  // per sequence, summed in a fixed order afterwards (deterministic)
        if (is_ssa) {
            ssa = {vec(l, "attn.ssa.alpha_q"), vec(l, "attn.ssa.alpha_v"), vec(l, "attn.ssa.w_q"),
                   vec(l, "attn.ssa.b_q"),     vec(l, "attn.ssa.w_v"),     vec(l, "attn.ssa.b_v")};
            ssa_grads.assign(static_cast<std::size_t>(B) * H * ssa_per_head, T(0));
        }
        Mat<T> dqkv(R, 3 * D);
#pragma omp parallel for schedule(dynamic)
        for (int b = 0; b < B; ++b) {
            const Index r0 = static_cast<Index>(b) * n;
            std::vector<Mat<T>> dout(H), dq, dk, dv;
            for (int h = 0; h < H; ++h) dout[h] = datt.block(r0, h * dh, n, dh);
            SsaGrad<T> sg{};
            if (is_ssa) {
                T* base = ssa_grads.data() + static_cast<std::size_t>(b) * H * ssa_per_head;
                sg = {base, base + H, base + 2 * H, base + 2 * H + H * dh, base + 3 * H + H * dh,
                      base + 3 * H + 2 * H * dh};
            }
            attention_backward(c.variant, L.q[b], L.k[b], L.v[b], is_ssa ? &ssa : nullptr, L.att[b], dout, dq, dk,
                               dv, is_ssa ? &sg : nullptr);
            for (int h = 0; h < H; ++h) {
                if (c.positions == PositionKind::Rope) {
                    rope_backward(dq[h]);
                    rope_backward(dk[h]);
                }
                dqkv.block(r0, h * dh, n, dh) = dq[h];
                dqkv.block(r0, D + h * dh, n, dh) = dk[h];
                dqkv.block(r0, 2 * D + h * dh, n, dh) = dv[h];
            }
        }
        if (is_ssa) {
            const char* names[6] = {"attn.ssa.alpha_q", "attn.ssa.alpha_v", "attn.ssa.w_q",
                                    "attn.ssa.b_q",     "attn.ssa.w_v",     "attn.ssa.b_v"};
            const std::size_t sizes[6] = {std::size_t(H), std::size_t(H), std::size_t(H * dh),
                                          std::size_t(H), std::size_t(H * dh), std::size_t(H)};
            for (int b = 0; b < B; ++b) {
                const T* src = ssa_grads.data() + static_cast<std::size_t>(b) * H * ssa_per_head;
                for (int t = 0; t < 6; ++t) {
                    T* dst = gvec(l, names[t]);
                    for (std::size_t i = 0; i < sizes[t]; ++i) dst[i] += src[i];
                    src += sizes[t];
                }
            }
        }
        Mat<T> dh1;
        linear_backward(L.h1, mat(l, "attn.wqkv"), dqkv, &dh1, gmat(l, "attn.wqkv"), gvec(l, "attn.bqkv"));
        layernorm_backward(dh1, vec(l, "ln1.g"), L.ln1, dtmp, gvec(l, "ln1.g"), gvec(l, "ln1.b"));
        dx += dtmp;  // now d x_in
    }

    MapM<T> dtok = gmat_named("tok_emb");
    if (c.positions == PositionKind::Learned) {
        MapM<T> dpos = gmat_named("pos_emb");
        embed_backward<T>(tokens, n, dx, dtok, &dpos);
    } else {
        embed_backward<T>(tokens, n, dx, dtok, nullptr);
    }
}

// [SECTION] entry points --------------------------------------------------------------------------------------------

template <class T>
StepStats Transformer<T>::forward_backward(const Batch& batch, Vec<T>* grad, const ForwardHooks<T>* hooks) {
    check_batch(batch.tokens, batch.n);
    std::vector<int> rows;
    std::vector<int> targets;
    for (std::size_t r = 0; r < batch.tokens.size(); ++r)
        if (batch.mask[r]) {
            rows.push_back(static_cast<int>(r));
            targets.push_back(batch.targets[r]);
            if (targets.back() < 0 || targets.back() >= m_config.vocab)
                throw InputError("targets[" + std::to_string(r) + "]", "is outside the vocabulary",
                                 "use tokens of the model's task");
        }
    StepStats st;
    Mat<T> logits;
    forward(batch.tokens, batch.n, rows, logits, grad != nullptr, hooks);
    if (rows.empty()) return st;
    Mat<T> dlogits;
    const T scale = T(1) / T(rows.size());
    st.loss_sum = cross_entropy<T>(logits, targets, scale, grad ? &dlogits : nullptr, &st.correct);
    st.scored = static_cast<int>(rows.size());
    if (grad) backward(batch.tokens, batch.n, rows, dlogits, *grad);
    return st;
}

template <class T>
Mat<T> Transformer<T>::logits(std::span<const int> tokens, const ForwardHooks<T>* hooks) {
    const int n = static_cast<int>(tokens.size());
    check_batch(tokens, n);
    std::vector<int> rows(tokens.size());
    for (int i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = i;
    Mat<T> out;
    forward(tokens, n, rows, out, false, hooks);
    return out;
}

template class Transformer<float>;
template class Transformer<double>;

}  // namespace attnscope::model
