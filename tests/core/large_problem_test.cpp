// large_problem_test.cpp — n = 4096, d = 64 completes for every variant except the exact value-aware solver
// (issue 3), with sane results. No timing assertion (speed lives in `attnscope bench`); ctest's timeout is the
// only guard against a hang. Run in double (the truth the GUI's numbers are checked against), metrics and the
// implied temperature included, i.e. everything `attnscope eval` computes.
//
// Row-sum tolerance as in property_test.cpp: (m + 2) eps = 9.1e-13 at m = 4096.
#include <gtest/gtest.h>

#include <cmath>

#include "core/reference/attend.hpp"
#include "tests/core/random_problem.hpp"

namespace attnscope::test {
namespace {

using Index = Eigen::Index;

struct Case {
    std::string label;
    VariantKind kind;
    VariantParams params;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

std::vector<Case> cases() {
    std::vector<Case> c;
    for (VariantKind k : all_variant_kinds()) {
        VariantParams p;
        if (k == VariantKind::VaAware) {
            p.solver = Solver::Greedy;
            p.r = 2;
        }
        c.push_back({std::string(variant_name(k)), k, p});
    }
    VariantParams budget;
    budget.budget = 256;
    c.push_back({"selective_budget", VariantKind::Selective, budget});
    return c;
}

class LargeProblem : public testing::TestWithParam<Case> {};

TEST_P(LargeProblem, N4096D64Completes) {
    const Case& c = GetParam();
    const Index n = 4096, d = 64, dv = 64;
    const AttentionInput<double> in = random_problem(4096, n, d, dv, true, 1.0);
    const auto r = reference::evaluate<double>(c.kind, in, c.params);
    ASSERT_EQ(r.weights.rows(), n);
    ASSERT_EQ(r.output.rows(), n);
    ASSERT_EQ(r.metrics.size(), std::size_t(n));
    const double eps = std::numeric_limits<double>::epsilon();
    int bad = 0;
    for (Index i = 0; i < n; ++i) {
        long double s = 0;
        for (Index j = 0; j <= i; ++j) {
            const double w = r.weights(i, j);
            if (!(std::isfinite(w) && w >= 0) && ++bad <= 5) ADD_FAILURE() << "w(" << i << "," << j << ") = " << w;
            s += w;
        }
        for (Index j = i + 1; j < n; ++j)
            if (r.weights(i, j) != 0 && ++bad <= 5) ADD_FAILURE() << "causal: w(" << i << "," << j << ") != 0";
        if (std::abs(double(s) - 1) > (i + 3) * eps && ++bad <= 5) ADD_FAILURE() << "row " << i << " sums to " << double(s);
        for (Index q = 0; q < dv; ++q)
            if (!std::isfinite(r.output(i, q)) && ++bad <= 5) ADD_FAILURE() << "output(" << i << "," << q << ")";
        if (!(r.metrics.defined(std::size_t(i)) && r.metrics.entropy[i] >= 0 &&
              r.metrics.entropy[i] <= std::log(double(i + 1)) * (1 + 1e-9) + 1e-12) &&
            ++bad <= 5)
            ADD_FAILURE() << "entropy[" << i << "] = " << r.metrics.entropy[i];
    }
    EXPECT_EQ(bad, 0);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, LargeProblem, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& pi) { return pi.param.label; });

}  // namespace
}  // namespace attnscope::test
