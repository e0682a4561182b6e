// cpu_prepare.hpp — one problem resolved for the fused sweep: float operands whose product is the logit the
// variant transforms, per-row factors, and the selective mask F (spec §3) computed once per problem.
#pragma once

#include <cstdint>
#include <vector>

#include "core/attention_backend.hpp"
#include "kernels/cpu/row_stats.hpp"

namespace attnscope::kernels::cpu {

struct Prepared {
    VariantKind kind = VariantKind::Dpa;
    const VariantParams* params = nullptr;
    bool causal = true;
    Eigen::Index n = 0, d = 0, dv = 0;
    double scale = 1.0;  // the variant's logit scale s (resolved)

    const MatF* q = nullptr;  // the problem's own Q, K, V
    const MatF* k = nullptr;
    const MatF* v = nullptr;

    // logits = q_eff * k_eff^T, ready for the variant's row transform:
    //   dpa, selective, va_*, ea: s q_i.k_j;  ssa: tau_q(i) s q_i.k_j;  lssa, lssar: lambda_i qhat_i.khat_j.
    MatF q_eff;
    MatF k_own;                    // khat (lssa, lssar)
    const MatF* k_eff = nullptr;   // k or &k_own
    MatF v_own;                    // tau_v(j) v_j (ssa with value temperature)
    const MatF* v_eff = nullptr;   // v or &v_own

    std::vector<double> temperature;  // explicit temperature per query (NaN: none), spec §7
    std::vector<double> tau_q, tau_v, lambda;

    // selective: F (n, n) in the result's extras or in f_own; which keys a query still sees after pruning
    MatF f_own;
    const MatF* f = nullptr;
    bool use_threshold = false;
    float threshold = 0;
    std::vector<Eigen::Index> evicted_at;  // budget: the step at which key j left the buffer (n: never)

    // va_aware: V in double, its Gram matrix V V^T and the diagonal (both solvers rank fits in double)
    MatD v_d;
    MatD gram_d;
    std::vector<double> gram_diag;

    MetricsConfig metrics;
    float lssar_deadzone = 0;

    Eigen::Index support_end(Eigen::Index i) const { return causal ? i + 1 : n; }
};

// Validates (reference::validate: throws InputError) and fills `out`, reusing its buffers. Runs its own OpenMP
// loops (selective's S and F, Gram matrices). `result` receives the per-problem extras computed here
// (tau, lambda, S, F) when options.want_extras.
void prepare(const BackendProblem& problem, const BackendOptions& options, Prepared& out, BackendResult& result);

// Key j visible to query i of a selective problem (threshold and budget; j == i is always visible).
inline bool selective_visible(const Prepared& p, Eigen::Index i, Eigen::Index j) {
    if (j == i) return true;
    if (p.use_threshold && !((*p.f)(i, j) <= p.threshold)) return false;
    return p.evicted_at.empty() || p.evicted_at[j] > i;
}

}  // namespace attnscope::kernels::cpu
