// reference/attend.hpp — the truth: every variant of spec/variants.md, templated on the scalar type.
//
// attend<double> is what every backend, kernel and model is tested against (STYLE.md §4); attend<float> is the
// same code in single precision. Written for clarity first, but O(n^2 d) with Eigen GEMMs so n = 4096 runs in
// seconds (issue 3). Masked entries are excluded from every max and sum, never filled with large negatives, and
// a zero normaliser gives the uniform row over the support (spec §0).
#pragma once

#include "../attention_input.hpp"
#include "../attention_result.hpp"
#include "../variant_params.hpp"

namespace attnscope::reference {

struct ProblemShape {
    Eigen::Index n = 0, d = 0, dv = 0;
    bool causal = true;
};

template <class T>
ProblemShape shape_of(const AttentionInput<T>& in) {
    return {in.n(), in.d(), in.dv(), in.causal};
}

// Throws InputError naming the parameter when `params` do not fit the problem: selective without causal,
// tau_q/tau_v/tok_X of the wrong length, w_tok_X of the wrong width, sel_Q/sel_K of the wrong shape, r < 1,
// p <= 0, budget < 1, non-finite numbers, the exact value-aware solver past max_subsets, d = 0, n = 0.
void validate(VariantKind kind, const ProblemShape& shape, const VariantParams& params);

// Weights, output, explicit temperature and extras. Calls validate() first.
template <class T>
AttentionResult<T> attend(VariantKind kind, const AttentionInput<T>& in, const VariantParams& params);

// Fills result.metrics (spec §7) and, when `with_implied`, the entropy-matched temperature and its flag.
template <class T>
void analyse(const AttentionInput<T>& in, const VariantParams& params, AttentionResult<T>& result,
             bool with_implied = true);

// attend() then analyse(): everything `attnscope eval` writes.
template <class T>
AttentionResult<T> evaluate(VariantKind kind, const AttentionInput<T>& in, const VariantParams& params,
                            bool with_implied = true) {
    AttentionResult<T> r = attend(kind, in, params);
    analyse(in, params, r, with_implied);
    return r;
}

}  // namespace attnscope::reference
