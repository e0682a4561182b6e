// hand_cases_test.cpp — tiny cases whose answers are worked out by hand from the spec's formulas (STYLE.md §4
// "Golden files": T <= 4, d <= 3, each recording how its numbers were derived). They are the cases spec §8.5
// lists for the oracle's self-test, recomputed here from the maths, in double and float.
#include <gtest/gtest.h>

#include <cmath>

#include "core/reference/attend.hpp"

namespace attnscope::test {
namespace {

using Index = Eigen::Index;

template <class T>
AttentionInput<T> make(std::initializer_list<std::initializer_list<double>> q,
                       std::initializer_list<std::initializer_list<double>> k,
                       std::initializer_list<std::initializer_list<double>> v, bool causal = true) {
    auto fill = [](std::initializer_list<std::initializer_list<double>> rows) {
        Mat<T> m(static_cast<Index>(rows.size()), static_cast<Index>(rows.begin()->size()));
        Index i = 0;
        for (auto& r : rows) {
            Index j = 0;
            for (double x : r) m(i, j++) = static_cast<T>(x);
            ++i;
        }
        return m;
    };
    return {fill(q), fill(k), fill(v), causal};
}

// Tolerance: every hand case has O(1) numbers and at most 4-term sums, so a few eps of the precision under
// test; 64 eps leaves room for exp/log/tanh (each within 1-2 ulp) and for the float rounding of ln 3, ln 2.
template <class T>
double tol() {
    return 64 * static_cast<double>(std::numeric_limits<T>::epsilon());
}

template <class T>
class HandCases : public testing::Test {};
using Precisions = testing::Types<double, float>;
TYPED_TEST_SUITE(HandCases, Precisions);

// DPA: q = 1, keys [0, ln 3], scale 1 -> logits [0, ln 3] -> weights [1/4, 3/4]; V = [1, 5] -> o = 1/4 + 15/4 = 4.
// Entropy -(1/4 ln 1/4 + 3/4 ln 3/4); implied temperature 1 (d = 1, default scale 1 = 1/sqrt 1).
TYPED_TEST(HandCases, Dpa) {
    using T = TypeParam;
    const auto in = make<T>({{1}, {1}}, {{0}, {std::log(3.0)}}, {{1}, {5}});
    const auto r = reference::evaluate<T>(VariantKind::Dpa, in, VariantParams{});
    EXPECT_NEAR(double(r.weights(1, 0)), 0.25, tol<T>());
    EXPECT_NEAR(double(r.weights(1, 1)), 0.75, tol<T>());
    EXPECT_EQ(double(r.weights(0, 1)), 0.0) << "causal";
    EXPECT_EQ(double(r.weights(0, 0)), 1.0) << "first causal row is one-hot";
    EXPECT_NEAR(double(r.output(1, 0)), 4.0, 4 * tol<T>());
    EXPECT_NEAR(r.metrics.entropy[1], -(0.25 * std::log(0.25) + 0.75 * std::log(0.75)), tol<T>());
    if constexpr (std::is_same_v<T, double>) {
        EXPECT_EQ(r.implied_flag[1], ImpliedTemperatureFlag::Ok);
        EXPECT_NEAR(r.implied_temperature[1], 1.0, 1e-9);
    }
}

// SSA: tau_q(1) = 1 + (1/ln 2) ln 2 = 2 -> logits [0, 2 ln 3] -> [1/10, 9/10]; o = 0.1 + 4.5 = 4.6; temperature 1/2.
// With tau_v = [1, 3] explicit the values become [1, 15]: o = 0.1 + 13.5.
TYPED_TEST(HandCases, Ssa) {
    using T = TypeParam;
    const auto in = make<T>({{1}, {1}}, {{0}, {std::log(3.0)}}, {{1}, {5}});
    VariantParams p;
    p.scale = 1.0;
    p.ssa_q.pos_coef = 1 / std::log(2.0);
    p.value_temp = false;
    auto r = reference::evaluate<T>(VariantKind::Ssa, in, p);
    EXPECT_NEAR(double(r.weights(1, 1)), 0.9, tol<T>());
    EXPECT_NEAR(double(r.output(1, 0)), 4.6, 4 * tol<T>());
    EXPECT_NEAR(r.temperature[1], 0.5, tol<T>());
    EXPECT_NEAR(r.temperature[0], 1.0, tol<T>()) << "position 1: ln 1 = 0";
    if constexpr (std::is_same_v<T, double>) {
        EXPECT_NEAR(r.implied_temperature[1], 0.5, 1e-9);
    }
    p.value_temp = true;
    p.ssa_v.tau = std::vector<double>{1.0, 3.0};
    r = reference::evaluate<T>(VariantKind::Ssa, in, p);
    EXPECT_NEAR(double(r.output(1, 0)), 0.1 + 0.9 * 15.0, 16 * tol<T>());
    EXPECT_NEAR(r.extras.tau_v[1], 3.0, tol<T>());
}

// Selective: q = 1, k = [0, 1, 0, 0], scale 1. S_21 = max(0, q_2 k_1) = 1 is the only non-zero S (S_k0 is BOS,
// S_kj = 0 for j >= k; S_31 applies only to queries after 3). So F_31 = S_21 = 1 and row 3's logits
// [0, 1, 0, 0] - [0, 1, 0, 0] are all 0: a uniform row. Row 2: F_21 = 0 (the predecessor), logits [0, 1, 0] ->
// e/(e+2). With prune_threshold 0.5 key 1 (F = 1 > 0.5) is invisible to query 3: [1/3, 0, 1/3, 1/3].
TYPED_TEST(HandCases, Selective) {
    using T = TypeParam;
    const auto in = make<T>({{1}, {1}, {1}, {1}}, {{0}, {1}, {0}, {0}}, {{0}, {1}, {2}, {3}});
    VariantParams p;
    p.scale = 1.0;
    auto r = reference::evaluate<T>(VariantKind::Selective, in, p);
    EXPECT_NEAR(double(r.extras.sel_f(3, 1)), 1.0, tol<T>());
    for (Index j = 0; j < 4; ++j) EXPECT_NEAR(double(r.weights(3, j)), 0.25, tol<T>());
    const double e = std::exp(1.0);
    EXPECT_NEAR(double(r.weights(2, 1)), e / (e + 2), tol<T>());
    EXPECT_EQ(r.metrics.count_above_uniform[3], 0) << "exactly uniform row";
    p.prune_threshold = 0.5;
    r = reference::evaluate<T>(VariantKind::Selective, in, p);
    EXPECT_EQ(double(r.weights(3, 1)), 0.0);
    EXPECT_EQ(r.extras.pruned(3, 1), 1);
    EXPECT_NEAR(double(r.weights(3, 0)), 1.0 / 3, tol<T>());
    EXPECT_EQ(r.metrics.support_size[3], 4) << "pruned keys still count in m (spec §7)";
    // budget 2, run sequentially: step 2's buffer {0, 1, 2} sheds its only candidate 1 (BOS is protected, 2 is
    // current); step 3's buffer {0, 2, 3} sheds 2. Row 3 sees {0, 3} with logits 0 - F = 0: [1/2, 0, 0, 1/2].
    VariantParams pb;
    pb.scale = 1.0;
    pb.budget = 2;
    r = reference::evaluate<T>(VariantKind::Selective, in, pb);
    EXPECT_EQ(r.extras.pruned(2, 1), 1);
    EXPECT_EQ(r.extras.pruned(3, 1), 1);
    EXPECT_EQ(r.extras.pruned(3, 2), 1);
    EXPECT_NEAR(double(r.weights(3, 0)), 0.5, tol<T>());
    EXPECT_NEAR(double(r.weights(3, 3)), 0.5, tol<T>());
}

// LSSA (d = 4): row 1 has cosines [1, -1], lambda = ln 4 ln 2, so w = [sp(l), sp(-l)] / (sp(l) + sp(-l)).
// LSSAR p = 3, row 1 < 3 has offset 0: x = N A, w ~ a^3. Row 3 of the second case (cos [1, -1, -1, -1]):
// A = [a, b, b, b]/(a + 3b) with a > b; N A - 1 is > 0 only for key 0 -> one-hot.
TYPED_TEST(HandCases, LssaLssar) {
    using T = TypeParam;
    const double lam = std::log(4.0) * std::log(2.0);
    auto sp = [](double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); };
    const double a = sp(lam), b = sp(-lam);
    const auto in = make<T>({{1, 0, 0, 0}, {1, 0, 0, 0}}, {{1, 0, 0, 0}, {-1, 0, 0, 0}}, {{1}, {0}});
    auto r = reference::evaluate<T>(VariantKind::Lssa, in, VariantParams{});
    EXPECT_NEAR(double(r.weights(1, 0)), a / (a + b), tol<T>());
    EXPECT_NEAR(r.extras.lambda[1], lam, tol<T>());
    EXPECT_TRUE(std::isnan(r.temperature[0])) << "lambda = 0 at N = 1: no explicit temperature";
    VariantParams p;
    p.p = 3;
    r = reference::evaluate<T>(VariantKind::Lssar, in, p);
    EXPECT_NEAR(double(r.weights(1, 0)), a * a * a / (a * a * a + b * b * b), tol<T>());
    const auto in4 = make<T>({{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}},
                             {{1, 0, 0, 0}, {-1, 0, 0, 0}, {-1, 0, 0, 0}, {-1, 0, 0, 0}}, {{1}, {1}, {1}, {1}});
    r = reference::evaluate<T>(VariantKind::Lssar, in4, VariantParams{});
    EXPECT_EQ(double(r.weights(3, 0)), 1.0);
    for (Index j = 1; j < 4; ++j) EXPECT_EQ(double(r.weights(3, j)), 0.0);
}

// EA: scale 1, q = 1, keys [1, 2] -> s = [1, 2]. Bounded: e = [1/2, 4/5] -> [5/13, 8/13]. Plain: [1, 4]/5.
// Keys [0, 1, -1]: s = [0, 1, -1], e = [0, 1/2, 1/2] -> [0, 1/2, 1/2] (antiparallel weighs like parallel).
TYPED_TEST(HandCases, ExpressiveAttention) {
    using T = TypeParam;
    const auto in = make<T>({{1}, {1}}, {{1}, {2}}, {{0}, {1}});
    VariantParams p;
    p.scale = 1.0;
    auto r = reference::evaluate<T>(VariantKind::Ea, in, p);
    EXPECT_NEAR(double(r.weights(1, 0)), 5.0 / 13, tol<T>());
    EXPECT_NEAR(double(r.weights(1, 1)), 8.0 / 13, tol<T>());
    p.form = EaForm::Plain;
    r = reference::evaluate<T>(VariantKind::Ea, in, p);
    EXPECT_NEAR(double(r.weights(1, 1)), 0.8, tol<T>());
    const auto in3 = make<T>({{1}, {1}, {1}}, {{0}, {1}, {-1}}, {{0}, {1}, {2}});
    p.form = EaForm::Bounded;
    r = reference::evaluate<T>(VariantKind::Ea, in3, p);
    EXPECT_EQ(double(r.weights(2, 0)), 0.0);
    EXPECT_NEAR(double(r.weights(2, 1)), 0.5, tol<T>());
    EXPECT_NEAR(double(r.weights(2, 2)), 0.5, tol<T>());
    // eps: e / (sum e + eps) -> [5/13, 8/13] * 1.3 / 2.3 (rows then sum to 1.3/2.3, not 1)
    p.eps = 1.0;
    r = reference::evaluate<T>(VariantKind::Ea, in, p);
    EXPECT_NEAR(double(r.weights(1, 0)), 0.5 / 2.3, tol<T>());
}

// Value-aware: q = 1, keys [0, 0, ln 2], scale 1 -> p = [1/4, 1/4, 1/2]; V = [0, 1, 10] -> o = 0.25 + 5 = 5.25.
//   OVO-1 keeps the largest p (key 2, v = 10): error |10 - 5.25| = 4.75.
//   OVA-1 picks the value nearest o: v = 1 (|1 - 5.25| = 4.25 < 4.75 < 5.25).
//   OVA-2: 5.25 lies between 0 and 10 (and 1 and 10): exact. Supports are enumerated in lexicographic order and
//   replaced only on a strict improvement, so {0, 2} wins: beta = [0.475, 0, 0.525].
TYPED_TEST(HandCases, ValueAware) {
    using T = TypeParam;
    const auto in = make<T>({{1}, {1}, {1}}, {{0}, {0}, {std::log(2.0)}}, {{0}, {1}, {10}});
    VariantParams p;
    p.scale = 1.0;
    p.r = 1;
    auto ex = reference::evaluate<T>(VariantKind::VaExact, in, p);
    EXPECT_NEAR(double(ex.output(2, 0)), 5.25, 16 * tol<T>());
    auto ob = reference::evaluate<T>(VariantKind::VaOblivious, in, p);
    EXPECT_EQ(double(ob.weights(2, 2)), 1.0);
    EXPECT_NEAR(ob.extras.error_l2[2], 4.75, 16 * tol<T>());
    auto aw = reference::evaluate<T>(VariantKind::VaAware, in, p);
    EXPECT_EQ(double(aw.weights(2, 1)), 1.0);
    EXPECT_NEAR(aw.extras.error_l2[2], 4.25, 16 * tol<T>());
    p.r = 2;
    aw = reference::evaluate<T>(VariantKind::VaAware, in, p);
    EXPECT_NEAR(double(aw.weights(2, 0)), 0.475, 16 * tol<T>());
    EXPECT_EQ(double(aw.weights(2, 1)), 0.0) << "tie-break: the lexicographically first exact support {0, 2}";
    EXPECT_NEAR(double(aw.weights(2, 2)), 0.525, 16 * tol<T>());
    EXPECT_LT(aw.extras.error_l2[2], 1e-3 * (std::is_same_v<T, float> ? 1.0 : 1e-6));
    p.solver = Solver::Greedy;
    aw = reference::evaluate<T>(VariantKind::VaAware, in, p);
    EXPECT_LT(aw.extras.error_l2[2], 1e-3 * (std::is_same_v<T, float> ? 1.0 : 1e-6));
    // Top-2 oblivious, renorm false: the raw p of keys 2 and 0 (tie 0 vs 1 -> smaller index): [1/4, 0, 1/2].
    p.solver = Solver::Exact;
    p.renorm = false;
    ob = reference::evaluate<T>(VariantKind::VaOblivious, in, p);
    EXPECT_NEAR(double(ob.weights(2, 0)), 0.25, tol<T>());
    EXPECT_EQ(double(ob.weights(2, 1)), 0.0);
    EXPECT_NEAR(double(ob.weights(2, 2)), 0.5, tol<T>());
}

// Metrics on [1/2, 1/2, 0, 0] (zero queries make p uniform; top-2 renormalised keeps keys 0 and 1):
// effective support 2, Gini (1/4)(-3*0 - 0 + 1/2 + 3/2) = 1/2, 2 weights above 0.01, top-1 mass 1/2,
// participation ratio 2, spikiness 2/4, normalised entropy ln 2 / ln 4 = 1/2, 2 above uniform (1/4).
TYPED_TEST(HandCases, Metrics) {
    using T = TypeParam;
    const auto in = make<T>({{0}, {0}, {0}, {0}}, {{1}, {2}, {3}, {4}}, {{1}, {1}, {1}, {1}}, false);
    VariantParams p;
    p.r = 2;
    p.metrics_k = 1;
    const auto r = reference::evaluate<T>(VariantKind::VaOblivious, in, p);
    for (Index i = 0; i < 4; ++i) {
        EXPECT_EQ(double(r.weights(i, 0)), 0.5);
        EXPECT_EQ(double(r.weights(i, 1)), 0.5);
        EXPECT_NEAR(r.metrics.effective_support[i], 2.0, tol<T>());
        EXPECT_NEAR(r.metrics.gini[i], 0.5, tol<T>());
        EXPECT_EQ(r.metrics.count_above[i], 2);
        EXPECT_EQ(r.metrics.count_above_uniform[i], 2);
        EXPECT_NEAR(r.metrics.topk_mass[i], 0.5, tol<T>());
        EXPECT_NEAR(r.metrics.participation_ratio[i], 2.0, tol<T>());
        EXPECT_NEAR(r.metrics.spikiness[i], 0.5, tol<T>());
        EXPECT_NEAR(r.metrics.entropy_normalised[i], 0.5, tol<T>());
        EXPECT_NEAR(r.metrics.max_weight[i], 0.5, tol<T>());
        EXPECT_EQ(r.metrics.support_size[i], 4);
    }
    // The uniform exact kernel row: Gini 0, normalised entropy 1, top-2 mass 1/2, nothing above uniform.
    VariantParams pu;
    pu.metrics_k = 2;
    const auto u = reference::evaluate<T>(VariantKind::VaExact, in, pu);
    EXPECT_NEAR(u.metrics.gini[3], 0.0, tol<T>());
    EXPECT_NEAR(u.metrics.entropy_normalised[3], 1.0, tol<T>());
    EXPECT_NEAR(u.metrics.topk_mass[3], 0.5, tol<T>());
    EXPECT_EQ(u.metrics.count_above_uniform[3], 0);
    EXPECT_EQ(u.implied_flag[3], ImpliedTemperatureFlag::Undefined) << "constant logit row";
}

}  // namespace
}  // namespace attnscope::test
