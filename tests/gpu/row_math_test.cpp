// row_math_test.cpp — the CUDA path's row maths (kernels/cuda/row_math.hpp, row_programs.hpp) run on the CPU with
// the serial executor, against reference::attend<double> within the derived bounds of conformance.hpp. Needs no
// GPU and no CUDA toolkit (label kernels: CI runs it everywhere).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <tuple>

#include "core/reference/attend.hpp"
#include "kernels/cuda/serial_exec.hpp"
#include "tests/gpu/case_table.hpp"
#include "tests/gpu/host_pipeline.hpp"

namespace attnscope::gputest {
namespace {

using namespace rowmath;

TEST(RowMath, EveryCaseWithinDerivedBounds) {
    int cases = 0;
    for (const ConfCase& c : conformance_cases(false)) {
        SCOPED_TRACE(c.name);
        const AttentionInput<double> in = make_input(c);
        const AttentionResult<double> ref = reference::evaluate<double>(c.kind, in, c.params, false);
        AttentionResult<float> float_ref;
        if (c.kind == VariantKind::VaAware) float_ref = reference::attend<float>(c.kind, in.cast<float>(), c.params);
        const AttentionResult<float> got = host_pipeline(c.kind, in, c.params);
        check_result(c, in, ref, &float_ref, got);
        ++cases;
    }
    EXPECT_GT(cases, 200);
}

// The same rows with 4 CPU threads per row standing in for a thread block (thread_exec.hpp): the strided ownership,
// the barriers, the block reductions, the bitonic sort, the top-r merge and the solvers' work split, on the small
// cases (CI time) plus a few larger ones that reach every path (sort-based top-r, 2-level budget eviction).
TEST(RowMath, ThreadBlocksWithinDerivedBounds) {
    int cases = 0;
    for (const ConfCase& c : conformance_cases(false)) {
        const bool larger =
            c.n == 64 && (c.name.rfind("va_oblivious_r20", 0) == 0 || c.name.rfind("selective", 0) == 0 ||
                          c.name.rfind("va_aware", 0) == 0 || c.name.rfind("dpa", 0) == 0);
        if (c.n > 17 && !larger) continue;
        SCOPED_TRACE(c.name);
        const AttentionInput<double> in = make_input(c);
        const AttentionResult<double> ref = reference::evaluate<double>(c.kind, in, c.params, false);
        AttentionResult<float> float_ref;
        if (c.kind == VariantKind::VaAware) float_ref = reference::attend<float>(c.kind, in.cast<float>(), c.params);
        const AttentionResult<float> got = host_pipeline(c.kind, in, c.params, c.n == 17 ? 33 : 4);
        check_result(c, in, ref, &float_ref, got);
        ++cases;
    }
    EXPECT_GT(cases, 100);
}

// The display pool folded into the rows equals a plain max-pool of the weights, for maps larger and smaller than
// the display, serially and with a thread block.
TEST(RowMath, DisplayPoolIsTheMaxOverEachCell) {
    for (auto [n, rows, cols] : {std::tuple{50, 7, 9}, std::tuple{10, 32, 24}, std::tuple{33, 33, 5}}) {
        ConfCase c;
        c.n = n, c.d = 4, c.dv = 2, c.seed = 3 + n;
        const AttentionInput<double> in = make_input(c);
        for (int threads : {0, 3}) {
            PipelineOptions opt;
            opt.threads = threads;
            opt.display_rows = rows;
            opt.display_cols = cols;
            const PipelineResult got = host_pipeline_full(VariantKind::Dpa, in, c.params, opt);
            for (int r = 0; r < rows; ++r)
                for (int cc = 0; cc < cols; ++cc) {
                    int r0, r1, c0, c1;
                    pool_range(r, n, rows, r0, r1);
                    pool_range(cc, n, cols, c0, c1);
                    float mx = 0.0f;
                    for (int i = r0; i < r1; ++i)
                        for (int j = c0; j < c1; ++j) mx = std::max(mx, got.result.weights(i, j));
                    ASSERT_EQ(got.display(r, cc), mx)
                        << "n=" << n << " threads=" << threads << " cell " << r << "," << cc;
                }
        }
    }
}

// The implied temperature through a thread block agrees with the reference's (flags and values where ok).
TEST(RowMath, ImpliedTemperatureThroughThreadBlocks) {
    ConfCase c;
    c.kind = VariantKind::Ea;
    c.n = 24, c.d = 8, c.dv = 2, c.seed = 11;
    const AttentionInput<double> in = make_input(c);
    const AttentionResult<double> ref = reference::evaluate<double>(c.kind, in, c.params, true);
    PipelineOptions opt;
    opt.threads = 4;
    opt.want_implied = true;
    const PipelineResult got = host_pipeline_full(c.kind, in, c.params, opt);
    for (int i = 0; i < c.n; ++i) {
        EXPECT_EQ(got.result.implied_flag[i], ref.implied_flag[i]) << "row " << i;
        if (ref.implied_flag[i] == ImpliedTemperatureFlag::Ok) {
            EXPECT_NEAR(got.result.implied_temperature[i], ref.implied_temperature[i],
                        1e-3 * ref.implied_temperature[i]);
        }
    }
}

// A wrong formula must fail: the same checker rejects DPA weights computed with a 1% scale error.
TEST(RowMath, CheckerRejectsAPerturbedScale) {
    ConfCase c;
    c.name = "dpa_scale_bug";
    c.n = 32, c.d = 16, c.dv = 4;
    const AttentionInput<double> in = make_input(c);
    const AttentionResult<double> ref = reference::evaluate<double>(c.kind, in, c.params, false);
    VariantParams wrong;
    wrong.scale = 1.01 / 4.0;
    const AttentionResult<float> got = host_pipeline(c.kind, in, wrong);
    ::testing::TestPartResultArray failures;
    {
        ::testing::ScopedFakeTestPartResultReporter intercept(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        check_result(c, in, ref, nullptr, got);
    }
    ASSERT_GT(failures.size(), 0);
    EXPECT_NE(std::string(failures.GetTestPartResult(0).message()).find("weight"), std::string::npos);
}

TEST(RowMath, TopRHeapMatchesSorting) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pick(0, 9);
    for (int trial = 0; trial < 200; ++trial) {
        const int m = 1 + trial % 70;
        std::vector<float> p(m);
        for (float& x : p) x = static_cast<float>(pick(rng)) / 9.0f;  // many ties: order by index
        TopR<kHeapR> heap;
        heap.clear();
        for (int j = 0; j < m; ++j) heap.push(p[j], j);
        std::vector<int> order(m);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
        for (int t = 0; t < std::min(m, kHeapR); ++t) {
            ASSERT_EQ(heap.idx[0], order[t]) << "m=" << m << " t=" << t;
            heap.pop_front();
        }
    }
}

TEST(RowMath, CombinationsEnumerateInLexicographicOrder) {
    for (int m : {1, 4, 9}) {
        for (int t = 1; t <= std::min(m, 4); ++t) {
            const std::uint64_t total = binomial(m, t);
            int pos[kMaxAwareR];
            for (int a = 0; a < t; ++a) pos[a] = a;
            for (std::uint64_t rank = 0; rank < total; ++rank) {
                int u[kMaxAwareR];
                unrank_combination(m, t, rank, u);
                for (int a = 0; a < t; ++a) ASSERT_EQ(u[a], pos[a]) << "m=" << m << " t=" << t << " rank=" << rank;
                const bool more = next_combination(m, t, pos);
                ASSERT_EQ(more, rank + 1 < total);
            }
        }
    }
    EXPECT_EQ(binomial(64, 2), 2016u);
    EXPECT_EQ(binomial(200, 100), UINT64_MAX);  // saturates
}

TEST(RowMath, PoolRangesCoverEverySourceOnce) {
    for (int n : {1, 3, 100, 1000}) {
        for (int cells : {1, 7, 256}) {
            int covered = 0, prev_hi = 0;
            for (int c = 0; c < cells; ++c) {
                int lo, hi;
                pool_range(c, n, cells, lo, hi);
                ASSERT_LT(lo, hi);
                ASSERT_LE(hi, n);
                if (cells <= n) {
                    ASSERT_EQ(lo, prev_hi);
                    covered += hi - lo;
                }
                prev_hi = hi;
            }
            if (cells <= n) {
                EXPECT_EQ(covered, n);
            }
        }
    }
}

// The float element maps against their double definitions: a few ulp.
TEST(RowMath, ElementMapsAreAccurate) {
    for (double x = -40.0; x <= 40.0; x += 0.37) {
        const float xf = static_cast<float>(x);
        const double sp = std::max<double>(xf, 0.0) + std::log1p(std::exp(-std::abs<double>(xf)));
        EXPECT_NEAR(softplus(xf), sp, 4 * kU * sp + 1e-45) << x;
        const double s2 = static_cast<double>(xf) * xf;
        EXPECT_NEAR(ea_bounded(xf), s2 / (1 + s2), 4 * kU) << x;
    }
    EXPECT_EQ(ea_bounded(1e30f), 1.0f);  // no overflow of s^2
    EXPECT_EQ(ea_bounded(0.0f), 0.0f);
    // (x / x_max)^15 in log space: no overflow where x^15 would (x = 500)
    EXPECT_NEAR(lssar_power(500.0f, 1000.0f, 15.0f), std::pow(0.5, 15), 20 * kU * std::pow(0.5, 15));
    EXPECT_EQ(lssar_power(0.0f, 2.0f, 15.0f), 0.0f);
    EXPECT_TRUE(is_excluded(excluded_tag()));
    EXPECT_FALSE(is_excluded(1e30f));
}

// Exactly uniform rows count 0 above uniform, also where m * fl(1/m) rounds below 1 in float (spec §7).
TEST(RowMath, UniformRowsCountNothingAboveUniform) {
    for (int m : {1, 10, 41, 47, 49, 55, 98, 103, 4096}) {
        RowParams prm;
        prm.n = m;
        prm.causal = 0;
        SerialExec ex(m, 1);
        std::vector<double> d(8);
        std::vector<int> ints(3);
        MetricsOut out{&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7], &ints[0], &ints[1], &ints[2]};
        float* x = ex.row();
        for (int j = 0; j < m; ++j) x[j] = static_cast<float>(1.0 / m);
        row_metrics(ex, prm, 0, x, out);
        EXPECT_EQ(ints[1], 0) << "m=" << m;
        EXPECT_EQ(ints[2], m);
        EXPECT_NEAR(d[0], std::log(static_cast<double>(m)), 1e-6) << "m=" << m;
        EXPECT_NEAR(d[7], 0.0, 1e-9) << "gini of a uniform row, m=" << m;
    }
}

// The implied temperature of a DPA row is 1 and of an SSA row 1/tau (spec §7), through the shared bisection.
TEST(RowMath, ImpliedTemperatureRecoversTheTemperature) {
    ConfCase c;
    c.n = 40, c.d = 8, c.dv = 2;
    const AttentionInput<double> in = make_input(c);
    for (double tau : {1.0, 2.0, 0.5}) {
        VariantParams p;
        p.ssa_q.tau = std::vector<double>(c.n, tau);
        const AttentionResult<float> got = host_pipeline(VariantKind::Ssa, in, p);
        const MatF g = float_dots(in.q.cast<float>(), in.k.cast<float>());
        SerialExec ex(c.n, 1);
        int ok = 0;
        for (int i = 1; i < c.n; ++i) {
            float* b = ex.row();
            for (int j = 0; j <= i; ++j) b[j] = g(i, j) / std::sqrt(static_cast<float>(c.d));
            double value = 0.0;
            std::uint8_t flag = 0;
            implied_temperature_row(ex, b, i + 1, got.metrics.entropy[i], value, flag);
            if (flag != kImpliedOk) continue;
            ++ok;
            EXPECT_NEAR(value, 1.0 / tau, 1e-3 / tau) << "row " << i << " tau " << tau;
        }
        EXPECT_GT(ok, c.n / 2);
    }
}

}  // namespace
}  // namespace attnscope::gputest
