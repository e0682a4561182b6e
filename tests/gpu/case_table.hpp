// case_table.hpp — the conformance cases (STYLE.md §4: one table of cases, printed on failure, in the manner of
// ggml's test-backend-ops): every variant and every parameter path, causal and not, at a few sizes.
#pragma once

#include <vector>

#include "tests/gpu/conformance.hpp"

namespace attnscope::gputest {

// `large` adds the sizes only the GPU test runs (n = 333, 1024, 2048).
inline std::vector<ConfCase> conformance_cases(bool large) {
    std::vector<ConfCase> cases;
    std::uint64_t seed = 100;
    auto add = [&](std::string name, VariantKind kind, VariantParams params, int n, int d, int dv, bool causal,
                   double sigma = 1.0) {
        ConfCase c;
        c.name = std::move(name);
        c.kind = kind;
        c.params = std::move(params);
        c.n = n, c.d = d, c.dv = dv, c.causal = causal, c.seed = ++seed, c.qk_sigma = sigma;
        cases.push_back(std::move(c));
    };
    struct Size {
        int n, d, dv;
    };
    std::vector<Size> sizes = {{1, 4, 3}, {5, 3, 2}, {17, 8, 5}, {64, 16, 16}, {128, 64, 32}};
    if (large) sizes.insert(sizes.end(), {{333, 64, 48}, {1024, 64, 64}});

    for (const Size& z : sizes) {
        for (bool causal : {true, false}) {
            const std::string tag = "_n" + std::to_string(z.n) + (causal ? "" : "_nc");
            add("dpa" + tag, VariantKind::Dpa, {}, z.n, z.d, z.dv, causal);
            VariantParams ssa;
            ssa.ssa_q.w_tok = std::vector<double>(z.d, 0.2);
            ssa.ssa_v.beta = 1.5;
            add("ssa_wtok" + tag, VariantKind::Ssa, ssa, z.n, z.d, z.dv, causal);
            for (Kernel k :
                 {Kernel::Exp, Kernel::Relu, Kernel::Relu2, Kernel::Softplus, Kernel::Elu1, Kernel::Square}) {
                VariantParams p;
                p.kernel = k;
                add("va_exact_" + std::string(kernel_name(k)) + tag, VariantKind::VaExact, p, z.n, z.d, z.dv, causal);
            }
            for (int r : {1, 2, 5, 20}) {
                VariantParams p;
                p.r = r;
                add("va_oblivious_r" + std::to_string(r) + tag, VariantKind::VaOblivious, p, z.n, z.d, z.dv, causal);
            }
            VariantParams raw;
            raw.r = 3;
            raw.renorm = false;
            raw.kernel = Kernel::Softplus;
            add("va_oblivious_raw_softplus" + tag, VariantKind::VaOblivious, raw, z.n, z.d, z.dv, causal);
            VariantParams greedy;
            greedy.r = 3;
            greedy.solver = Solver::Greedy;
            add("va_aware_greedy_r3" + tag, VariantKind::VaAware, greedy, z.n, z.d, std::min(z.dv, 8), causal);
            if (z.n <= 333) {
                VariantParams exact;
                add("va_aware_exact_r2" + tag, VariantKind::VaAware, exact, z.n, z.d, std::min(z.dv, 6), causal);
            }
            if (z.n <= 64) {
                VariantParams exact3;
                exact3.r = 3;
                exact3.kernel = Kernel::Relu2;
                add("va_aware_exact_r3_relu2" + tag, VariantKind::VaAware, exact3, z.n, z.d, 4, causal);
            }
            add("lssa" + tag, VariantKind::Lssa, {}, z.n, z.d, z.dv, causal);
            VariantParams raw_lssa;
            raw_lssa.normalize_qk = false;
            raw_lssa.eps = 1e-3;
            add("lssa_raw_eps" + tag, VariantKind::Lssa, raw_lssa, z.n, z.d, z.dv, causal);
            add("lssar_p15" + tag, VariantKind::Lssar, {}, z.n, z.d, z.dv, causal);
            VariantParams p3;
            p3.p = 3;
            add("lssar_p3" + tag, VariantKind::Lssar, p3, z.n, z.d, z.dv, causal);
            add("ea_bounded" + tag, VariantKind::Ea, {}, z.n, z.d, z.dv, causal, 2.0);
            VariantParams plain;
            plain.form = EaForm::Plain;
            plain.eps = 1e-2;
            add("ea_plain_eps" + tag, VariantKind::Ea, plain, z.n, z.d, z.dv, causal, 30.0);
        }
        const std::string tag = "_n" + std::to_string(z.n);
        add("selective" + tag, VariantKind::Selective, {}, z.n, z.d, z.dv, true);
        VariantParams thr;
        thr.prune_threshold = 2.0;
        thr.protect_bos = false;
        add("selective_threshold" + tag, VariantKind::Selective, thr, z.n, z.d, z.dv, true);
        VariantParams budget;
        budget.budget = std::max(2, z.n / 8);
        add("selective_budget" + tag, VariantKind::Selective, budget, z.n, z.d, z.dv, true);
        VariantParams head;
        ConfCase tmp;
        tmp.n = z.n, tmp.d = z.d, tmp.dv = z.dv, tmp.seed = seed + 5000;
        const AttentionInput<double> sel = make_input(tmp);
        head.sel_q = sel.q;
        head.sel_k = sel.k;
        head.sel_scale = 0.5;
        add("selective_head" + tag, VariantKind::Selective, head, z.n, z.d, z.dv, true);
        VariantParams tau;
        tau.ssa_q.tau = std::vector<double>(z.n, 0.0);
        for (int i = 0; i < z.n; ++i) (*tau.ssa_q.tau)[i] = 0.5 + 0.25 * (i % 7);
        tau.value_temp = false;
        add("ssa_tau_novt" + tag, VariantKind::Ssa, tau, z.n, z.d, z.dv, true);
        add("dpa_sharp" + tag, VariantKind::Dpa, {}, z.n, z.d, z.dv, true, 6.0);
    }
    if (large)
        for (VariantKind k : {VariantKind::Dpa, VariantKind::Selective, VariantKind::Lssar, VariantKind::Ea})
            add(std::string(variant_name(k)) + "_n2048", k, {}, 2048, 64, 64, true);
    return cases;
}

}  // namespace attnscope::gputest
