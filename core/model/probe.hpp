// probe.hpp — one sequence through a trained model, looked at from the inside (the Model view; issue 5, part 6).
//
// For the chosen layer and head: the model's own Q, K, V (after RoPE) and attention map, and the next-token
// distribution. Then, for every variant of the grid, the same forward pass with that layer's score function
// swapped (every head of the layer, through reference::attend: the truth, including the value-aware
// approximations that cannot be trained), the other layers unchanged: that head's map under the variant, the
// swapped next-token distribution and its KL divergence from the model's own. An override replaces one token's
// query or key of the chosen head (the view's drag) in every pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/variant_params.hpp"
#include "transformer.hpp"

namespace attnscope::model {

struct ProbeOverride {
    int token = -1;        // row of Q or K to replace
    bool is_query = true;  // false: the key
    Vec<double> vec;       // (head_dim) the new vector (after RoPE)
};

struct ProbeRequest {
    std::vector<int> tokens;
    int layer = 0, head = 0;
    int position = -1;  // where the next-token distribution is read; -1: the last token
    std::vector<VariantKind> variants;   // the grid's columns
    std::optional<ProbeOverride> override_qk;
};

struct VariantProbe {
    VariantKind kind = VariantKind::Dpa;
    MatF weights;           // (n, n) the chosen head's map with this layer's score function swapped
    Vec<float> next_probs;  // (vocab) at the read position
    double kl_from_own = 0.0;  // KL(own || swapped) in nats
    std::string error;         // set (and the rest empty) when the variant refused the problem
};

struct ProbeResult {
    MatF q, k, v;        // (n, head_dim) chosen layer and head, after RoPE (and the override)
    MatF own_weights;    // (n, n)
    std::vector<MatF> all_heads;  // the model's own maps of the chosen layer, one per head
    Vec<float> own_probs;  // (vocab)
    int position = 0;
    std::vector<VariantProbe> variants;
};

// Parameters the swap uses for `kind` at (layer, head): the model's learned SSA temperatures for ssa; head 0's
// Q, K as selective's selection head (as the model does); the greedy solver for va_aware past 32 tokens (the exact
// search grows as n^r); spec defaults otherwise.
VariantParams swap_params(const Transformer<float>& m, VariantKind kind, int layer, int head, const MatF& q0,
                          const MatF& k0);

// Throws InputError for a bad layer, head, position, token or override shape.
ProbeResult probe(Transformer<float>& m, const ProbeRequest& request);

// KL(p || q) = sum p ln(p / q) over p > 0 (q floored at 1e-30 so a zero in q gives a large finite number).
double kl_divergence(const Vec<float>& p, const Vec<float>& q);

}  // namespace attnscope::model
