// attention_ops.hpp — causal multi-head attention for the trainable variants, forward and backward side by side.
//
// One sequence, all heads at once (selective attention couples the heads: head 0's logits make the mask F for
// every head, spec §3.1). q, k, v are the per-head projections *after* RoPE; each forward must agree with
// reference::attend<double> on the same Q, K, V (tests/model/test_attention_vs_reference.cpp) — the reference is
// the truth, these are its differentiable twins.
//
// Gradient decisions (documented in tests/model/test_grad_attention.cpp, checked there by finite differences):
//  - selective: the gradient flows through F into head 0's queries and keys, as in lucidrains' selective_attn
//    (no detach). relu is differentiated as 1 for sigma > 0 and 0 otherwise (the kink has measure zero).
//  - lssar: the ReLU + dead-zone keeps x only where N*A - O > deadzone; the subgradient is 0 elsewhere, and 0 for a
//    row that falls back to uniform (all x = 0): a dead row passes no gradient, like a dead ReLU unit.
//  - ea: a row whose normaliser is exactly 0 (q = 0) falls back to uniform and passes no gradient to q, k.
//  - lssa: ||q|| is clamped at 1e-12 as in the spec; below the clamp the gradient is dq_hat / 1e-12.
#pragma once

#include <vector>

#include "core/matrix.hpp"
#include "core/variant_kind.hpp"

namespace attnscope::model {

// The trainable variants (issue 5): the value-aware ones are inference-only swaps (not differentiable: top-r and
// subset search), and they need no separate training since they approximate softmax.
bool variant_trainable(VariantKind kind);

// SSA's learned temperature parameters of one layer, spec §2.3 table (H heads, head dim dh):
//   tau_q(i) = 1 + sigmoid(alpha_q) ln(i+1) + tanh(w_q . q_i + b_q), tau_v likewise on v_j.
template <class T>
struct SsaView {
    const T* alpha_q;  // (H)
    const T* alpha_v;  // (H)
    const T* w_q;      // (H, dh)
    const T* b_q;      // (H)
    const T* w_v;      // (H, dh)
    const T* b_v;      // (H)
};
template <class T>
struct SsaGrad {
    T* alpha_q;
    T* alpha_v;
    T* w_q;
    T* b_q;
    T* w_v;
    T* b_v;
};

template <class T>
struct HeadCache {
    Mat<T> w;     // (n, n) attention weights, zero above the diagonal
    Mat<T> aux;   // ssa, selective (head 0), ea: the logits; lssa, lssar: cosines
    Mat<T> aux2;  // lssar: stage-1 weights A;
    Vec<T> r1;    // ssa: tau_q; lssa/lssar: ||q||; ea: row normaliser
    Vec<T> r2;    // ssa: tau_v; lssa/lssar: ||k||
    Vec<T> r3;    // ssa: tanh(u_q); lssa/lssar: stage-1 normaliser
    Vec<T> r4;    // ssa: tanh(u_v); lssar: 1 for rows that fell back to uniform
};

template <class T>
struct AttentionCache {
    std::vector<HeadCache<T>> heads;
};

// q, k, v, out: H matrices of shape (n, dh); causal. ssa must be non-null for VariantKind::Ssa.
// cache may be null (inference); otherwise it receives what the backward needs.
template <class T>
void attention_forward(VariantKind kind, const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k,
                       const std::vector<Mat<T>>& v, const SsaView<T>* ssa, std::vector<Mat<T>>& out,
                       AttentionCache<T>* cache);

// dout: H matrices (n, dh) -> dq, dk, dv (overwritten); dssa accumulates (may be null unless kind is Ssa).
template <class T>
void attention_backward(VariantKind kind, const std::vector<Mat<T>>& q, const std::vector<Mat<T>>& k,
                        const std::vector<Mat<T>>& v, const SsaView<T>* ssa, const AttentionCache<T>& cache,
                        const std::vector<Mat<T>>& dout, std::vector<Mat<T>>& dq, std::vector<Mat<T>>& dk,
                        std::vector<Mat<T>>& dv, const SsaGrad<T>* dssa);

// Fixed constants of the variants as the model uses them; they equal the spec's defaults, so the reference with
// default VariantParams (plus SSA's learned values) computes the same thing.
inline constexpr double kLssarP = 15.0;
inline constexpr double kLssarOffset = 1.0;
inline constexpr int kLssarOffsetFreeRows = 3;
inline constexpr double kLssarDeadzone = 1e-9;
inline constexpr double kNormClamp = 1e-12;

}  // namespace attnscope::model
