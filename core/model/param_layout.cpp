#include "param_layout.hpp"

#include <cmath>
#include <stdexcept>

namespace attnscope::model {

std::string ParamLayout::layer_name(int layer, const char* tensor) {
    return "layers." + std::to_string(layer) + "." + tensor;
}

void ParamLayout::add(std::string name, std::vector<std::int64_t> shape, bool decay, double init_std,
                      double init_value) {
    ParamInfo p;
    p.name = std::move(name);
    p.shape = std::move(shape);
    p.size = 1;
    for (auto s : p.shape) p.size *= static_cast<std::size_t>(s);
    p.offset = m_total;
    p.decay = decay;
    p.init_std = init_std;
    p.init_value = init_value;
    m_total += p.size;
    m_tensors.push_back(std::move(p));
}

// GPT-2 initialisation: N(0, 0.02) for weights, residual output projections scaled by 1/sqrt(2 L) so the
// residual stream's variance does not grow with depth; gains 1, biases 0. SSA's token heads start at 0 and its
// alphas at 0 (spec §2.3 table: tau_tok = 0 at start, c = sigmoid(0) = 0.5).
ParamLayout::ParamLayout(const ModelConfig& c) {
    const std::int64_t V = c.vocab, D = c.d_model, F = c.d_ff, H = c.n_heads, dh = c.head_dim();
    const double std_w = 0.02, std_res = 0.02 / std::sqrt(2.0 * c.n_layers);
    add("tok_emb", {V, D}, false, std_w, 0);
    if (c.positions == PositionKind::Learned) add("pos_emb", {c.max_positions, D}, false, 0.01, 0);
    for (int l = 0; l < c.n_layers; ++l) {
        add(layer_name(l, "ln1.g"), {D}, false, 0, 1);
        add(layer_name(l, "ln1.b"), {D}, false, 0, 0);
        add(layer_name(l, "attn.wqkv"), {D, 3 * D}, true, std_w, 0);
        add(layer_name(l, "attn.bqkv"), {3 * D}, false, 0, 0);
        add(layer_name(l, "attn.wo"), {D, D}, true, std_res, 0);
        add(layer_name(l, "attn.bo"), {D}, false, 0, 0);
        if (c.variant == VariantKind::Ssa) {
            add(layer_name(l, "attn.ssa.alpha_q"), {H}, false, 0, 0);
            add(layer_name(l, "attn.ssa.alpha_v"), {H}, false, 0, 0);
            add(layer_name(l, "attn.ssa.w_q"), {H, dh}, false, 0, 0);
            add(layer_name(l, "attn.ssa.b_q"), {H}, false, 0, 0);
            add(layer_name(l, "attn.ssa.w_v"), {H, dh}, false, 0, 0);
            add(layer_name(l, "attn.ssa.b_v"), {H}, false, 0, 0);
        }
        add(layer_name(l, "ln2.g"), {D}, false, 0, 1);
        add(layer_name(l, "ln2.b"), {D}, false, 0, 0);
        add(layer_name(l, "mlp.w1"), {D, F}, true, std_w, 0);
        add(layer_name(l, "mlp.b1"), {F}, false, 0, 0);
        add(layer_name(l, "mlp.w2"), {F, D}, true, std_res, 0);
        add(layer_name(l, "mlp.b2"), {D}, false, 0, 0);
    }
    add("lnf.g", {D}, false, 0, 1);
    add("lnf.b", {D}, false, 0, 0);
    if (!c.tied) add("unembed", {V, D}, true, std_w, 0);
}

const ParamInfo* ParamLayout::find(const std::string& name) const {
    for (const auto& p : m_tensors)
        if (p.name == name) return &p;
    return nullptr;
}

const ParamInfo& ParamLayout::at(const std::string& name) const {
    if (const ParamInfo* p = find(name)) return *p;
    throw std::out_of_range("ParamLayout: no tensor named " + name);
}

}  // namespace attnscope::model
