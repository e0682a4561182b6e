// transformer.hpp — a small decoder-only transformer with hand-written backward (issue 5, part 1-2).
//
//   x = tok_emb[t] (+ pos_emb[p] with learned positions)
//   L x { x += Wo . attention(RoPE(q), RoPE(k), v) of LN1(x);  x += W2 . gelu(W1 . LN2(x)) }   (pre-LayerNorm)
//   logits = LN_f(x) . U^T,  U = tok_emb when tied
//
// The attention is one of the trainable variants (attention_ops.hpp). Hooks let the Model view and `attnscope
// lengths` look inside (observe), override a query or key (edit), or swap a layer's score function for any
// variant, including the value-aware ones, through reference::attend (replace).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "attention_ops.hpp"
#include "model_config.hpp"
#include "param_layout.hpp"
#include "tensor_ops.hpp"

namespace attnscope::model {

// Hooks run on worker threads, once per (layer, sequence b): touch only what belongs to sequence b.
template <class T>
struct ForwardHooks {
    using Heads = std::vector<Mat<T>>;
    // After RoPE, before attention: may change q, k, v (H matrices (n, dh)).
    std::function<void(int layer, int b, Heads& q, Heads& k, Heads& v)> edit;
    // Returns true when it computed `out` itself (the score function swap); the model's own attention is skipped.
    std::function<bool(int layer, int b, const Heads& q, const Heads& k, const Heads& v, Heads& out)> replace;
    // Sees the model's own attention (weights in cache.heads[h].w) when it ran.
    std::function<void(int layer, int b, const Heads& q, const Heads& k, const Heads& v, const AttentionCache<T>&)>
        observe;
};

// B sequences of length n, row-major (B*n). targets[r] is the token after tokens[r]; rows with mask[r] != 0 are
// scored (the answer tokens of a task).
struct Batch {
    std::span<const int> tokens;
    std::span<const int> targets;
    std::span<const std::uint8_t> mask;
    int n = 0;
    int batch() const { return n > 0 ? static_cast<int>(tokens.size()) / n : 0; }
};

struct StepStats {
    double loss_sum = 0.0;  // sum over scored rows of -log p(target)
    int scored = 0;
    int correct = 0;  // scored rows whose arg-max is the target
    double mean_loss() const { return scored ? loss_sum / scored : 0.0; }
    double accuracy() const { return scored ? static_cast<double>(correct) / scored : 0.0; }
};

template <class T>
class Transformer {
public:
    explicit Transformer(const ModelConfig& config);

    const ModelConfig& config() const { return m_config; }
    const ParamLayout& layout() const { return m_layout; }
    Vec<T>& params() { return m_params; }
    const Vec<T>& params() const { return m_params; }
    // A tensor of the flat buffer as a row-major matrix (1-D tensors are one row).
    MapC<T> tensor(const std::string& name) const;

    // GPT-2 style initialisation from a seed (param_layout.cpp).
    void init(std::uint64_t seed);

    // Forward over the batch; with grad, also the backward pass, accumulating d(mean loss over scored rows)/dparams
    // into *grad (same layout as params()). Throws InputError when a token is out of the vocabulary or n exceeds
    // the learned position table.
    StepStats forward_backward(const Batch& batch, Vec<T>* grad, const ForwardHooks<T>* hooks = nullptr);

    // One sequence: logits of every position, (n, vocab).
    Mat<T> logits(std::span<const int> tokens, const ForwardHooks<T>* hooks = nullptr);

private:
    struct LayerCache;
    struct Workspace;
    void check_batch(std::span<const int> tokens, int n) const;
    void forward(std::span<const int> tokens, int n, const std::vector<int>& rows, Mat<T>& logits, bool keep,
                 const ForwardHooks<T>* hooks);
    void backward(std::span<const int> tokens, int n, const std::vector<int>& rows, const Mat<T>& dlogits,
                  Vec<T>& grad);

    ModelConfig m_config;
    ParamLayout m_layout;
    Vec<T> m_params;
    std::shared_ptr<Workspace> m_ws;
};

}  // namespace attnscope::model
