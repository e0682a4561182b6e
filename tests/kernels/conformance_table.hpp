// conformance_table.hpp — the table of random problems every backend is checked on (ggml test-backend-ops style).
//
// Shared by tests/kernels (every backend of list_backends()) and tests/gpu (the CUDA engineer's suite): one table,
// printed on failure, each case reproducible from its name. Inputs are drawn in double and rounded to float once;
// the double reference runs on those same float values, so a difference is the backend's arithmetic, not the input.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/attention_input.hpp"
#include "core/variant_params.hpp"

namespace attnscope::test {

struct ConformanceCase {
    std::string config;  // the variant configuration, e.g. "va_oblivious softplus r=3 raw"
    VariantKind kind = VariantKind::Dpa;
    VariantParams params;
    Eigen::Index n = 1, d = 1, dv = 1;
    bool causal = true;
    double q_scale = 1.0;  // q, k ~ N(0, q_scale^2): 1 = moderate rows, 3 = peaked rows
    std::uint64_t seed = 0;

    std::string name() const {
        return config + " n=" + std::to_string(n) + " d=" + std::to_string(d) + " dv=" + std::to_string(dv) +
               (causal ? " causal" : " full") + " qs=" + std::to_string(q_scale).substr(0, 3) +
               " seed=" + std::to_string(seed);
    }
};

struct VariantConfig {
    std::string label;
    VariantKind kind;
    VariantParams params;
    Eigen::Index max_n = 1 << 20;  // the exact value-aware solver enumerates subsets: keep it small
};

inline std::vector<VariantConfig> conformance_configs() {
    std::vector<VariantConfig> c;
    auto add = [&](std::string label, VariantKind kind, VariantParams p = {}, Eigen::Index max_n = 1 << 20) {
        c.push_back({std::move(label), kind, std::move(p), max_n});
    };
    add("dpa", VariantKind::Dpa);
    {
        VariantParams p;
        p.scale = 0.3;
        add("dpa scale=0.3", VariantKind::Dpa, p);
    }
    add("ssa", VariantKind::Ssa);
    {
        VariantParams p;
        p.ssa_q.beta = 1.5;
        p.ssa_v.pos_coef = 0.2;
        p.ssa_v.b_tok = 0.3;
        add("ssa beta_q pos_coef_v", VariantKind::Ssa, p);
    }
    add("selective", VariantKind::Selective);
    {
        VariantParams p;
        p.prune_threshold = 1.0;
        add("selective threshold=1", VariantKind::Selective, p);
    }
    {
        VariantParams p;
        p.budget = 6;
        p.protect_bos = false;
        add("selective budget=6 no-bos", VariantKind::Selective, p);
    }
    for (Kernel k : {Kernel::Exp, Kernel::Relu, Kernel::Relu2, Kernel::Softplus, Kernel::Elu1, Kernel::Square}) {
        VariantParams p;
        p.kernel = k;
        add("va_exact " + std::string(kernel_name(k)), VariantKind::VaExact, p);
    }
    add("va_oblivious", VariantKind::VaOblivious);
    {
        VariantParams p;
        p.kernel = Kernel::Softplus;
        p.r = 3;
        p.renorm = false;
        add("va_oblivious softplus r=3 raw", VariantKind::VaOblivious, p);
    }
    add("va_aware exact r=2", VariantKind::VaAware, {}, 64);
    {
        VariantParams p;
        p.solver = Solver::Greedy;
        p.r = 4;
        add("va_aware greedy r=4", VariantKind::VaAware, p);
    }
    {
        VariantParams p;
        p.solver = Solver::Greedy;
        p.r = 2;
        p.kernel = Kernel::Relu;
        add("va_aware greedy relu r=2", VariantKind::VaAware, p);
    }
    add("lssa", VariantKind::Lssa);
    {
        VariantParams p;
        p.normalize_qk = false;
        p.eps = 1e-3;
        add("lssa raw eps", VariantKind::Lssa, p);
    }
    add("lssar", VariantKind::Lssar);
    {
        VariantParams p;
        p.p = 3;
        add("lssar p=3", VariantKind::Lssar, p);
    }
    add("ea", VariantKind::Ea);
    {
        VariantParams p;
        p.form = EaForm::Plain;
        add("ea plain", VariantKind::Ea, p);
    }
    return c;
}

// Sizes: n in {1, 5, 64, 200} x d in {2, 16, 64} x causal/full (selective: causal only), and a few n = 1024 cases
// (d = 64, causal) for the configurations that are cheap in the double reference. dv = d except d = 2 (dv = 3).
inline std::vector<ConformanceCase> conformance_cases(const VariantConfig& cfg) {
    std::vector<ConformanceCase> out;
    std::uint64_t seed = 0;
    for (Eigen::Index n : {1, 5, 64, 200}) {
        if (n > cfg.max_n) continue;
        for (Eigen::Index d : {2, 16, 64})
            for (bool causal : {true, false}) {
                if (!causal && variant_requires_causal(cfg.kind)) continue;
                ConformanceCase c{cfg.label, cfg.kind, cfg.params, n, d, d == 2 ? 3 : d, causal, 1.0, ++seed};
                c.q_scale = (seed % 3 == 0) ? 3.0 : 1.0;
                out.push_back(c);
            }
    }
    const bool large = cfg.max_n >= 1024 && cfg.label.find("budget") == std::string::npos &&
                       cfg.label.find("va_exact") == std::string::npos && cfg.label != "dpa scale=0.3" &&
                       cfg.label.find("greedy r=4") == std::string::npos;
    if (large) out.push_back({cfg.label, cfg.kind, cfg.params, 1024, 64, 64, true, 1.0, 1000 + seed});
    return out;
}

// q, k ~ N(0, q_scale^2), v ~ N(0, 1), drawn in double from the seed and rounded to float.
inline AttentionInput<float> conformance_input(const ConformanceCase& c) {
    std::mt19937_64 rng(c.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(c.n * 131 + c.d));
    std::normal_distribution<double> g(0.0, 1.0);
    AttentionInput<float> in;
    in.q.resize(c.n, c.d);
    in.k.resize(c.n, c.d);
    in.v.resize(c.n, c.dv);
    for (Eigen::Index i = 0; i < in.q.size(); ++i) in.q.data()[i] = static_cast<float>(c.q_scale * g(rng));
    for (Eigen::Index i = 0; i < in.k.size(); ++i) in.k.data()[i] = static_cast<float>(c.q_scale * g(rng));
    for (Eigen::Index i = 0; i < in.v.size(); ++i) in.v.data()[i] = static_cast<float>(g(rng));
    in.causal = c.causal;
    return in;
}

}  // namespace attnscope::test
