// precision_test.cpp — float against double at n = 1024 for every variant (issue 3), and the exact value-aware
// solver's refusal at that size.
//
// Tolerance: the golden float32 tolerance of spec §8.4 (atol 2e-4, rtol 2e-3), which this size must still meet.
// Derivation of the expected float error at n = m = 1024, d = 16, q, k ~ N(0, 1), eps = 1.2e-7 (unit roundoff
// u = eps/2):
//   logits   l = s q.k: the rounding of q, k to float and the d-term dot product give |dl| <= (d + 3) u s sum|q_a k_a|
//            ~ 19 * 6e-8 * 0.25 * 16 ~ 4.6e-6 (SSA multiplies by tau <= 1 + 0.5 ln 1024 + 1 ~ 5.5: 2.5e-5).
//   softmax  w_j = e^(l_j - max) / sum: relative error <= 2 max|dl| + (m + 2) u ~ 5e-5 + 6e-5 ~ 1.1e-4 with a
//            plain sum (less with a compensated one) -> 18x inside rtol 2e-3.
//   kernels  relu-family weights x_j / sum x: absolute error <= (|dl| + w_j (m + 2) u sum x) / sum x, far below atol.
//   selective F_ij = sum of up to m S_kj >= 0: |dF| <= m u F; only keys with F = O(1) carry weight, so the weight
//            error stays ~m u ~ 6e-5 relative; heavily masked keys (large F) have weights e^-F far below atol.
//   LSSAR    w = (x / x_max)^p, x = N A - 1, p = 15: a common normaliser error (m u) moves x_j / x_max by
//            m u |1/x_j - 1/x_max|, so |dw_j| <= p (x_j/x_max)^p m u / x_j <= p m u / x_max ~ 9e-4 / x_max; random
//            rows at this size have x_max ~ 5-10, i.e. ~1.5e-4 absolute at worst, inside atol 2e-4.
//   outputs  o = sum_j w_j v_j: error <= sum_j |dw_j| |v_j| + (m + 1) u sum |w v| ~ 2e-4 relative to sum |w v|.
//   metrics  entropy, max weight, top-k mass and Gini are smooth in w with O(1) condition numbers (entropy:
//            |dH| <= sum |dw| (1 + |ln w|) ~ 1e-4 * ln m).
// Discrete choices (top-r sets, greedy supports) may legitimately flip on near-ties at this size; a row whose
// sparse support differs is accepted only when both precisions reach the same approximation error (then both
// are equally good answers), and such rows must stay rare (<= 1 %).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "tests/core/random_problem.hpp"

namespace attnscope::test {
namespace {

using Index = Eigen::Index;
constexpr double kAtol = 2e-4, kRtol = 2e-3;  // spec §8.4 float32 tolerance

bool close(double a, double b, double atol = kAtol, double rtol = kRtol) {
    return std::abs(a - b) <= atol + rtol * std::max(std::abs(a), std::abs(b));
}

struct Case {
    std::string label;
    VariantKind kind;
    VariantParams params;
    bool causal = true;
};

std::vector<Case> cases() {
    std::vector<Case> c;
    c.push_back({"dpa", VariantKind::Dpa, {}});
    c.push_back({"dpa_noncausal", VariantKind::Dpa, {}, false});
    VariantParams ssa;
    ssa.ssa_q.w_tok = std::vector<double>(16, 0.1);
    c.push_back({"ssa", VariantKind::Ssa, ssa});
    c.push_back({"selective", VariantKind::Selective, {}});
    VariantParams selb;
    selb.budget = 64;
    c.push_back({"selective_budget", VariantKind::Selective, selb});
    for (Kernel k : {Kernel::Exp, Kernel::Relu, Kernel::Relu2, Kernel::Softplus, Kernel::Elu1, Kernel::Square}) {
        VariantParams p;
        p.kernel = k;
        c.push_back({"va_exact_" + std::string(kernel_name(k)), VariantKind::VaExact, p});
    }
    VariantParams ob;
    ob.r = 4;
    c.push_back({"va_oblivious", VariantKind::VaOblivious, ob, false});
    VariantParams aw;
    aw.r = 2;
    aw.solver = Solver::Greedy;
    c.push_back({"va_aware_greedy", VariantKind::VaAware, aw});
    c.push_back({"lssa", VariantKind::Lssa, {}, false});
    c.push_back({"lssar", VariantKind::Lssar, {}});
    c.push_back({"ea", VariantKind::Ea, {}});
    VariantParams plain;
    plain.form = EaForm::Plain;
    c.push_back({"ea_plain", VariantKind::Ea, plain, false});
    return c;
}

class FloatVsDouble : public testing::TestWithParam<Case> {};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

TEST_P(FloatVsDouble, AgreeAtN1024) {
    const Case& c = GetParam();
    const Index n = 1024, d = 16, dv = 8;
    const AttentionInput<double> in = random_problem(2024, n, d, dv, c.causal, 1.0);
    const auto r64 = reference::evaluate<double>(c.kind, in, c.params, false);
    const auto r32 = reference::evaluate<float>(c.kind, in.cast<float>(), c.params, false);

    const bool sparse = c.kind == VariantKind::VaOblivious || c.kind == VariantKind::VaAware;
    int flipped_rows = 0, bad = 0;
    double worst_w = 0, worst_o = 0, worst_h = 0;
    for (Index i = 0; i < n; ++i) {
        if (sparse) {
            bool same = true;
            for (Index j = 0; j < n; ++j) same = same && ((r64.weights(i, j) != 0) == (r32.weights(i, j) != 0.0f));
            if (!same) {
                ++flipped_rows;
                EXPECT_TRUE(close(r64.extras.error_l2[i], r32.extras.error_l2[i], 1e-4, 1e-3))
                    << "row " << i << ": the supports differ and the float approximation is worse: error "
                    << r32.extras.error_l2[i] << " vs " << r64.extras.error_l2[i];
                continue;
            }
        }
        for (Index j = 0; j < n; ++j) {
            const double a = r64.weights(i, j), b = r32.weights(i, j);
            worst_w = std::max(worst_w, std::abs(a - b) / (kAtol + kRtol * std::max(std::abs(a), std::abs(b))));
            if (!close(a, b) && ++bad <= 5) ADD_FAILURE() << "weight(" << i << "," << j << ") f32 " << b << " f64 " << a;
        }
        for (Index q = 0; q < dv; ++q) {
            const double a = r64.output(i, q), b = r32.output(i, q);
            worst_o = std::max(worst_o, std::abs(a - b) / (kAtol + kRtol * std::max(std::abs(a), std::abs(b))));
            if (!close(a, b) && ++bad <= 5) ADD_FAILURE() << "output(" << i << "," << q << ") f32 " << b << " f64 " << a;
        }
        const double ha = r64.metrics.entropy[i], hb = r32.metrics.entropy[i];
        worst_h = std::max(worst_h, std::abs(ha - hb) / (kAtol + kRtol * std::max(std::abs(ha), std::abs(hb))));
        if (!close(ha, hb) && ++bad <= 5) ADD_FAILURE() << "entropy[" << i << "] f32 " << hb << " f64 " << ha;
        EXPECT_TRUE(close(r64.metrics.max_weight[i], r32.metrics.max_weight[i])) << "row " << i;
        EXPECT_TRUE(close(r64.metrics.topk_mass[i], r32.metrics.topk_mass[i])) << "row " << i;
        EXPECT_TRUE(close(r64.metrics.gini[i], r32.metrics.gini[i])) << "row " << i;
        EXPECT_EQ(r64.metrics.support_size[i], r32.metrics.support_size[i]);
        const double ta = r64.temperature[i], tb = r32.temperature[i];
        EXPECT_TRUE((std::isnan(ta) && std::isnan(tb)) || close(ta, tb)) << "temperature[" << i << "]";
    }
    EXPECT_EQ(bad, 0) << bad << " entries outside atol 2e-4 + rtol 2e-3";
    EXPECT_LE(flipped_rows, n / 100) << "too many rows where float chose another sparse support";
    // Measured worst error as a fraction of the tolerance (1 = at the limit), for the record.
    RecordProperty("worst_weight_fraction_of_tol", std::to_string(worst_w));
    RecordProperty("worst_output_fraction_of_tol", std::to_string(worst_o));
    std::printf("%s: worst |f32 - f64| as a fraction of the f32 tolerance: weights %.3g, outputs %.3g, entropy %.3g; "
                "rows with another sparse support: %d\n",
                c.label.c_str(), worst_w, worst_o, worst_h, flipped_rows);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, FloatVsDouble, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& pi) { return pi.param.label; });

// The exact value-aware solver enumerates sum_{t<=r} C(m, t) supports per row; at n = 1024, r = 2 that is
// 1024 + 523776 > 200000 (max_subsets): it must refuse up front with a message naming max_subsets and the greedy
// solver, not run for hours.
TEST(FloatVsDouble, ExactValueAwareRefusesN1024) {
    VariantParams p;
    p.r = 2;
    p.solver = Solver::Exact;
    const AttentionInput<double> in = random_problem(1, 1024, 16, 8, true);
    try {
        reference::validate(VariantKind::VaAware, reference::shape_of(in), p);
        FAIL() << "validate accepted the exact solver at n = 1024";
    } catch (const InputError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("max_subsets"), std::string::npos) << msg;
        EXPECT_NE(msg.find("greedy"), std::string::npos) << msg;
    }
    EXPECT_THROW((void)reference::attend<float>(VariantKind::VaAware, in.cast<float>(), p), InputError);
    // Just inside the limit is accepted: m = 631 -> 631 + 198765 = 199396 <= 200000 (but 632 -> 200028 is not).
    EXPECT_NO_THROW(reference::validate(VariantKind::VaAware, {631, 4, 2, true}, p));
    EXPECT_THROW(reference::validate(VariantKind::VaAware, {632, 4, 2, true}, p), InputError);
    // Non-causal rows all have m = n; causal ones reach m = n only in the last row: the count is per row.
    p.max_subsets = 20;  // r = 2, m = 5: 5 + 10 = 15 <= 20; m = 6: 6 + 15 = 21 > 20
    EXPECT_NO_THROW(reference::validate(VariantKind::VaAware, {5, 3, 2, false}, p));
    EXPECT_THROW(reference::validate(VariantKind::VaAware, {6, 3, 2, true}, p), InputError);
    p.solver = Solver::Greedy;
    EXPECT_NO_THROW(reference::validate(VariantKind::VaAware, {1024, 16, 8, true}, p)) << "greedy has no such limit";
}

}  // namespace
}  // namespace attnscope::test
