// random_problem.hpp — seeded random attention problems for the property tests.
#pragma once

#include <cstdint>
#include <random>

#include "core/attention_input.hpp"

namespace attnscope::test {

// q, k: (n, d) with entries N(0, sc^2); v: (n, dv) with entries N(0, 1). Drawn in double, so the float problem
// with the same seed is the double one rounded (what the precision tests compare).
inline AttentionInput<double> random_problem(std::uint64_t seed, Eigen::Index n, Eigen::Index d, Eigen::Index dv,
                                             bool causal, double sc = 1.0) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 12345);
    std::normal_distribution<double> g(0.0, 1.0);
    AttentionInput<double> in;
    in.q.resize(n, d);
    in.k.resize(n, d);
    in.v.resize(n, dv);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index a = 0; a < d; ++a) in.q(i, a) = sc * g(rng);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index a = 0; a < d; ++a) in.k(i, a) = sc * g(rng);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index a = 0; a < dv; ++a) in.v(i, a) = g(rng);
    in.causal = causal;
    return in;
}

}  // namespace attnscope::test
