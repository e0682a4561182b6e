// property_test.cpp — invariants of every variant on seeded random problems, in float and double (DESIGN.md
// "Tests" 3, issue 3): rows sum to 1, causality, output = W V~, metric ranges and their identities, explicit
// temperatures from their definitions, key permutation permutes columns, SSA with tau = 1 is DPA, LSSAR with a
// large p approaches the arg-max, selective F non-decreasing down columns, value-aware optimality orderings.
//
// Tolerances (STYLE.md rule 4), with eps = machine epsilon of the precision under test (2.2e-16 / 1.2e-7):
//  * Row sums. A row is normalised as w_j = fl(e_j / s) with s = fl(sum of m terms). A recursive sum has relative
//    error <= (m-1) eps/2, each division adds eps/2, and the test re-sums the m computed weights in long double
//    (exact to ~1e-19). So |sum w - 1| <= (m+1) eps/2 + O(eps^2); we allow (m+2) eps, a factor 2 of headroom, still
//    8.5e-15 in double and 4.6e-6 in float at m = 36. A variant that forgets to normalise, normalises over the wrong
//    support or loses mass to masked keys is off by O(1/m), orders of magnitude more.
//  * Output. o_i = sum_j w_ij v~_j is m products and m-1 additions: |error| <= (m+1) eps/2 * sum_j |w_ij v~_j|
//    (Higham, dot products); we allow (m+2) eps times that sum, plus 4 eps * max|v~| for the rounding of v~ itself.
//  * Metric ranges hold in exact arithmetic; the computed values come from weights renormalised with the same
//    (m+2) eps error, so each bound gets a relative slack of 8 (m+2) eps (a log or an exp of a perturbed argument
//    moves by at most a few times the argument's relative error).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>

#include "core/reference/attend.hpp"
#include "tests/core/random_problem.hpp"

namespace attnscope::test {
namespace {

using Index = Eigen::Index;
using LD = long double;

template <class T>
constexpr double eps() {
    return static_cast<double>(std::numeric_limits<T>::epsilon());
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] configurations: every variant, and the parameter paths that change the maths
// ---------------------------------------------------------------------------------------------------------------

struct Config {
    std::string label;
    VariantKind kind;
    std::function<void(VariantParams&, Index n, Index d, Index dv)> set = [](VariantParams&, Index, Index, Index) {};
    bool rows_sum_to_one = true;  // every variant except va_oblivious with renorm = false (spec §0)
    bool causal_only = false;     // selective
    Index max_n = 1 << 20;        // the exact value-aware solver is combinatorial
};

std::vector<Config> configs() {
    std::vector<Config> c;
    c.push_back({"dpa", VariantKind::Dpa});
    c.push_back({"dpa_scale", VariantKind::Dpa, [](VariantParams& p, Index, Index, Index) { p.scale = 0.7; }});
    c.push_back({"ssa", VariantKind::Ssa});
    c.push_back({"ssa_tok", VariantKind::Ssa, [](VariantParams& p, Index, Index d, Index dv) {
                     p.ssa_q.w_tok = std::vector<double>(static_cast<std::size_t>(d), 0.3);
                     p.ssa_q.b_tok = -0.2;
                     p.ssa_v.w_tok = std::vector<double>(static_cast<std::size_t>(dv), -0.4);
                     p.ssa_v.beta = 1.0;
                 }});
    c.push_back({"selective", VariantKind::Selective, {}, true, true});
    c.push_back({"selective_budget", VariantKind::Selective, [](VariantParams& p, Index, Index, Index) { p.budget = 3; },
                 true, true});
    c.push_back({"selective_threshold", VariantKind::Selective,
                 [](VariantParams& p, Index, Index, Index) { p.prune_threshold = 0.3; }, true, true});
    c.push_back({"selective_nobos", VariantKind::Selective,
                 [](VariantParams& p, Index, Index, Index) {
                     p.protect_bos = false;
                     p.budget = 2;
                 },
                 true, true});
    for (Kernel k : {Kernel::Exp, Kernel::Relu, Kernel::Relu2, Kernel::Softplus, Kernel::Elu1, Kernel::Square}) {
        const std::string kn(kernel_name(k));
        c.push_back({"va_exact_" + kn, VariantKind::VaExact, [k](VariantParams& p, Index, Index, Index) { p.kernel = k; }});
        c.push_back({"va_oblivious_" + kn, VariantKind::VaOblivious,
                     [k](VariantParams& p, Index, Index, Index) { p.kernel = k; p.r = 3; }});
    }
    c.push_back({"va_oblivious_norenorm", VariantKind::VaOblivious,
                 [](VariantParams& p, Index, Index, Index) { p.renorm = false; }, false});
    c.push_back({"va_aware_exact", VariantKind::VaAware, [](VariantParams& p, Index, Index, Index) { p.r = 2; }, true,
                 false, 40});
    c.push_back({"va_aware_exact_relu", VariantKind::VaAware,
                 [](VariantParams& p, Index, Index, Index) { p.r = 3; p.kernel = Kernel::Relu; }, true, false, 20});
    c.push_back({"va_aware_greedy", VariantKind::VaAware,
                 [](VariantParams& p, Index, Index, Index) { p.r = 3; p.solver = Solver::Greedy; }});
    c.push_back({"lssa", VariantKind::Lssa});
    c.push_back({"lssa_raw", VariantKind::Lssa, [](VariantParams& p, Index, Index, Index) { p.normalize_qk = false; }});
    c.push_back({"lssar", VariantKind::Lssar});
    c.push_back({"lssar_p3", VariantKind::Lssar, [](VariantParams& p, Index, Index, Index) { p.p = 3; }});
    c.push_back({"ea", VariantKind::Ea});
    c.push_back({"ea_plain", VariantKind::Ea, [](VariantParams& p, Index, Index, Index) { p.form = EaForm::Plain; }});
    return c;
}

struct Shape {
    Index n, d, dv;
    bool causal;
    double sc;
};

// n = 1 (one-key rows), short rows, and m = 36 rows; d = 1 (degenerate cosine), small and moderate d.
std::vector<Shape> shapes() {
    return {{1, 3, 2, true, 1.0},  {2, 1, 1, true, 1.0},  {7, 3, 2, true, 1.5},  {7, 3, 2, false, 1.5},
            {13, 1, 3, false, 2.0}, {36, 8, 4, true, 1.0}, {36, 8, 4, false, 1.0}, {20, 16, 2, true, 0.5}};
}

template <class T>
AttentionResult<T> run(const Config& c, const AttentionInput<double>& in64, VariantParams* params_out = nullptr) {
    VariantParams p;
    if (c.set) c.set(p, in64.n(), in64.d(), in64.dv());
    if (params_out) *params_out = p;
    return reference::evaluate<T>(c.kind, in64.cast<T>(), p);
}

Index support_end(bool causal, Index n, Index i) { return causal ? i + 1 : n; }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] invariants that hold for every variant
// ---------------------------------------------------------------------------------------------------------------

template <class T>
void check_invariants(const Config& c, const AttentionInput<double>& in64, const VariantParams& p,
                      const AttentionResult<T>& r) {
    const Index n = in64.n();
    ASSERT_EQ(r.weights.rows(), n);
    ASSERT_EQ(r.weights.cols(), n);
    ASSERT_EQ(r.output.rows(), n);
    ASSERT_EQ(r.output.cols(), in64.dv());
    ASSERT_EQ(r.temperature.size(), static_cast<std::size_t>(n));
    ASSERT_EQ(r.metrics.size(), static_cast<std::size_t>(n));
    ASSERT_EQ(r.implied_temperature.size(), static_cast<std::size_t>(n));
    ASSERT_EQ(r.implied_flag.size(), static_cast<std::size_t>(n));

    // V~: SSA scales value j by tau_v(j) (spec §2.3); everyone else uses V.
    std::vector<double> tau_v(static_cast<std::size_t>(n), 1.0);
    if (c.kind == VariantKind::Ssa) {
        ASSERT_EQ(r.extras.tau_v.size(), static_cast<std::size_t>(n));
        tau_v = r.extras.tau_v;
    }
    const Mat<T> v = in64.v.cast<T>();
    for (Index i = 0; i < n; ++i) {
        const Index end = support_end(in64.causal, n, i);
        const double m = static_cast<double>(end);
        LD sum = 0;
        for (Index j = 0; j < n; ++j) {
            const double w = static_cast<double>(r.weights(i, j));
            ASSERT_TRUE(std::isfinite(w)) << c.label << " w(" << i << "," << j << ")";
            EXPECT_GE(w, 0.0) << c.label << " negative weight at (" << i << "," << j << ")";
            if (j >= end) {
                EXPECT_EQ(w, 0.0) << c.label << ": off-support weight at (" << i << "," << j << "), causal";
            }
            sum += w;
        }
        const double sum_tol = (m + 2) * eps<T>();
        if (c.rows_sum_to_one)
            EXPECT_NEAR(static_cast<double>(sum), 1.0, sum_tol) << c.label << " row " << i << " sums to " << (double)sum;
        else
            EXPECT_LE(static_cast<double>(sum), 1.0 + sum_tol) << c.label << " row " << i << " (top-r mass <= 1)";

        // output = W V~ within the dot-product bound
        for (Index a = 0; a < in64.dv(); ++a) {
            LD o = 0, mag = 0, vmax = 0;
            for (Index j = 0; j < end; ++j) {
                const LD vt = static_cast<LD>(tau_v[static_cast<std::size_t>(j)]) * static_cast<LD>(v(j, a));
                o += static_cast<LD>(r.weights(i, j)) * vt;
                mag += std::abs(static_cast<LD>(r.weights(i, j)) * vt);
                vmax = std::max(vmax, std::abs(vt));
            }
            const double tol = (m + 2) * eps<T>() * static_cast<double>(mag) + 4 * eps<T>() * static_cast<double>(vmax);
            EXPECT_NEAR(static_cast<double>(r.output(i, a)), static_cast<double>(o), tol)
                << c.label << " output(" << i << "," << a << ") != (W V~)(" << i << "," << a << ")";
        }

        // metrics (spec §7), from the weights renormalised by |w| / sum |w|
        const std::size_t ui = static_cast<std::size_t>(i);
        const RowMetrics& mt = r.metrics;
        ASSERT_TRUE(mt.defined(ui)) << c.label << " row " << i << " has weight, so its metrics are defined";
        EXPECT_EQ(mt.support_size[ui], static_cast<int>(end)) << "support_size is |S_i|, also with pruned keys";
        const double slack = 8 * (m + 2) * eps<T>();
        const double H = mt.entropy[ui];
        const double lnm = std::log(m);
        EXPECT_GE(H, 0.0) << c.label << " row " << i;
        EXPECT_LE(H, lnm * (1 + slack) + slack) << c.label << " row " << i;
        EXPECT_NEAR(mt.effective_support[ui], std::exp(H), slack * std::exp(H));
        EXPECT_GE(mt.effective_support[ui], 1 - slack);
        EXPECT_LE(mt.effective_support[ui], m * (1 + slack));
        if (end > 1) {
            EXPECT_NEAR(mt.entropy_normalised[ui], H / lnm, slack);
        } else {
            EXPECT_EQ(mt.entropy_normalised[ui], 0.0) << "0 when m = 1";
        }
        EXPECT_GE(mt.participation_ratio[ui], 1 - slack);
        EXPECT_LE(mt.participation_ratio[ui], m * (1 + slack));
        EXPECT_NEAR(mt.spikiness[ui], mt.participation_ratio[ui] / m, slack);
        EXPECT_GE(mt.max_weight[ui], 1 / m - slack);
        EXPECT_LE(mt.max_weight[ui], 1 + slack);
        const double k = std::min<double>(p.metrics_k, m);
        EXPECT_GE(mt.topk_mass[ui], k / m - slack);
        EXPECT_LE(mt.topk_mass[ui], 1 + slack);
        EXPECT_GE(mt.gini[ui], -slack);
        EXPECT_LE(mt.gini[ui], 1 - 1 / m + slack);
        EXPECT_GE(mt.count_above[ui], 0);
        EXPECT_LE(mt.count_above[ui], static_cast<int>(end));
        EXPECT_GE(mt.count_above_uniform[ui], 0);
        EXPECT_LE(mt.count_above_uniform[ui], static_cast<int>(end) - 1);

        // The same metrics recomputed here from the weights, in long double (independent of analyse()).
        LD tot = 0;
        for (Index j = 0; j < end; ++j) tot += std::abs(static_cast<LD>(r.weights(i, j)));
        std::vector<LD> pr;
        for (Index j = 0; j < end; ++j) pr.push_back(std::abs(static_cast<LD>(r.weights(i, j))) / tot);
        LD h = 0, ssq = 0;
        for (LD x : pr) {
            if (x > 0) h -= x * std::log(x);
            ssq += x * x;
        }
        std::sort(pr.begin(), pr.end());
        LD g = 0;
        for (std::size_t q = 0; q < pr.size(); ++q) g += (2.0L * (q + 1) - m - 1) * pr[q];
        g = end > 1 ? g / m : 0;
        EXPECT_NEAR(H, static_cast<double>(h), slack * std::max(1.0, lnm)) << c.label << " entropy row " << i;
        EXPECT_NEAR(mt.participation_ratio[ui], static_cast<double>(1 / ssq), slack * m);
        EXPECT_NEAR(mt.max_weight[ui], static_cast<double>(pr.back()), slack);
        EXPECT_NEAR(mt.gini[ui], static_cast<double>(g), slack);
    }
}

template <class T>
void for_each_problem(const std::function<void(const Config&, const Shape&, std::uint64_t seed)>& f) {
    std::uint64_t seed = 1;
    for (const Config& c : configs())
        for (const Shape& s : shapes()) {
            ++seed;
            if (c.causal_only && !s.causal) continue;
            if (s.n > c.max_n) continue;
            f(c, s, seed);
        }
}

template <class T>
void invariants_all() {
    for_each_problem<T>([](const Config& c, const Shape& s, std::uint64_t seed) {
        SCOPED_TRACE(c.label + " n=" + std::to_string(s.n) + " d=" + std::to_string(s.d) +
                     (s.causal ? " causal" : " non-causal") + " seed=" + std::to_string(seed));
        const AttentionInput<double> in = random_problem(seed, s.n, s.d, s.dv, s.causal, s.sc);
        VariantParams p;
        const AttentionResult<T> r = run<T>(c, in, &p);
        check_invariants<T>(c, in, p, r);
    });
}

TEST(Properties, InvariantsDouble) { invariants_all<double>(); }
TEST(Properties, InvariantsFloat) { invariants_all<float>(); }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] causality: the future does not leak into the past
// ---------------------------------------------------------------------------------------------------------------

// Rewriting the queries, keys and values of tokens > i0 must leave rows 0..i0 unchanged: every causal variant,
// including selective's F (built from earlier tokens only) and LSSAR's N_i = i + 1. Each row's computation
// only reads its own support, so the same operations run on the same numbers; 4 eps covers a GEMM that blocks
// differently (it does not here: n is unchanged).
template <class T>
void causality_all() {
    for_each_problem<T>([](const Config& c, const Shape& s, std::uint64_t seed) {
        if (!s.causal || s.n < 3) return;
        SCOPED_TRACE(c.label + " n=" + std::to_string(s.n) + " seed=" + std::to_string(seed));
        const AttentionInput<double> a = random_problem(seed, s.n, s.d, s.dv, true, s.sc);
        AttentionInput<double> b = a;
        const Index i0 = s.n / 2;
        const AttentionInput<double> other = random_problem(seed + 1000, s.n, s.d, s.dv, true, s.sc);
        for (Index i = i0 + 1; i < s.n; ++i) {
            b.q.row(i) = other.q.row(i);
            b.k.row(i) = other.k.row(i);
            b.v.row(i) = other.v.row(i);
        }
        const AttentionResult<T> ra = run<T>(c, a), rb = run<T>(c, b);
        for (Index i = 0; i <= i0; ++i) {
            for (Index j = 0; j < s.n; ++j)
                EXPECT_NEAR(static_cast<double>(ra.weights(i, j)), static_cast<double>(rb.weights(i, j)),
                            4 * eps<T>())
                    << "row " << i << " changed when tokens > " << i0 << " changed";
            for (Index q = 0; q < s.dv; ++q)
                EXPECT_NEAR(static_cast<double>(ra.output(i, q)), static_cast<double>(rb.output(i, q)),
                            4 * eps<T>() * (1 + std::abs(static_cast<double>(ra.output(i, q)))));
        }
    });
}

TEST(Properties, CausalityDouble) { causality_all<double>(); }
TEST(Properties, CausalityFloat) { causality_all<float>(); }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] explicit temperatures from their definitions (spec §7)
// ---------------------------------------------------------------------------------------------------------------

TEST(Properties, ExplicitTemperatureDefinitions) {
    for (bool causal : {true, false}) {
        const Index n = 9, d = 5;
        const AttentionInput<double> in = random_problem(77, n, d, 2, causal);
        const double base = 1 / std::sqrt(double(d));
        VariantParams p;
        p.scale = 0.3;
        auto dpa = reference::attend<double>(VariantKind::Dpa, in, p);
        auto vax = reference::attend<double>(VariantKind::VaExact, in, p);
        for (Index i = 0; i < n; ++i) {
            EXPECT_NEAR(dpa.temperature[i], base / 0.3, 1e-15) << "DPA: (1/sqrt d)/scale";
            EXPECT_NEAR(vax.temperature[i], base / 0.3, 1e-15) << "va_exact with exp: (1/sqrt d)/scale";
        }
        p.kernel = Kernel::Relu;
        auto vrelu = reference::attend<double>(VariantKind::VaExact, in, p);
        for (double t : vrelu.temperature) EXPECT_TRUE(std::isnan(t)) << "va_exact relu has no explicit temperature";

        VariantParams ps;
        ps.ssa_q.pos_coef = 0.4;
        ps.ssa_q.tok = std::vector<double>{0.5, -1, 2, 0, 0.1, -0.3, 0.7, 1.5, -2};
        auto ssa = reference::attend<double>(VariantKind::Ssa, in, ps);
        for (Index i = 0; i < n; ++i) {
            const double tau = 1 + 0.4 * std::log(double(i + 1)) + std::tanh((*ps.ssa_q.tok)[i]);
            EXPECT_NEAR(ssa.extras.tau_q[i], tau, 1e-14) << "spec §2.3 tau_q(" << i << ")";
            EXPECT_NEAR(ssa.temperature[i], 1 / tau, 1e-14) << "SSA: 1/tau_q";
        }

        VariantParams pl;
        for (VariantKind k : {VariantKind::Lssa, VariantKind::Lssar}) {
            auto l = reference::attend<double>(k, in, pl);
            for (Index i = 0; i < n; ++i) {
                const double N = double(support_end(causal, n, i));
                const double lambda = std::log(double(d)) * std::log(N);
                EXPECT_NEAR(l.extras.lambda[i], lambda, 1e-14) << "lambda = ln d ln N_i";
                if (lambda > 0) {
                    EXPECT_NEAR(l.temperature[i], 1 / lambda, 1e-13);
                } else {
                    EXPECT_TRUE(std::isnan(l.temperature[i])) << "null at N = 1";
                }
            }
        }
        for (VariantKind k : {VariantKind::Ea, VariantKind::VaOblivious, VariantKind::VaAware})
            for (double t : reference::attend<double>(k, in, VariantParams{}).temperature)
                EXPECT_TRUE(std::isnan(t)) << variant_name(k) << " has no explicit temperature";
        if (causal) {
            for (double t : reference::attend<double>(VariantKind::Selective, in, VariantParams{}).temperature)
                EXPECT_TRUE(std::isnan(t)) << "selective has no explicit temperature";
        }
    }
}

// Entropy matching recovers 1 for DPA and 1/tau for SSA (spec §7). The bisection stops at width 1e-14 in
// ln T; the entropy itself is accurate to ~m eps, and dH/d(ln T) is O(1) for these well-spread random rows, so
// 1e-8 relative is generous yet 100x tighter than the f64 golden implied-temperature tolerance of 1e-6.
TEST(Properties, ImpliedTemperatureRecoversDpaAndSsa) {
    const Index n = 24, d = 4;
    const AttentionInput<double> in = random_problem(5, n, d, 2, true, 1.5);
    auto dpa = reference::evaluate<double>(VariantKind::Dpa, in, VariantParams{});
    EXPECT_EQ(dpa.implied_flag[0], ImpliedTemperatureFlag::Undefined) << "m = 1";
    for (Index i = 1; i < n; ++i) {
        ASSERT_EQ(dpa.implied_flag[i], ImpliedTemperatureFlag::Ok) << "row " << i;
        EXPECT_NEAR(dpa.implied_temperature[i], 1.0, 1e-8) << "row " << i;
    }
    VariantParams ps;
    ps.ssa_q.alpha = 1.0;
    ps.value_temp = false;
    auto ssa = reference::evaluate<double>(VariantKind::Ssa, in, ps);
    for (Index i = 1; i < n; ++i) {
        ASSERT_EQ(ssa.implied_flag[i], ImpliedTemperatureFlag::Ok) << "row " << i;
        EXPECT_NEAR(ssa.implied_temperature[i], 1 / ssa.extras.tau_q[i], 1e-8 / ssa.extras.tau_q[i]) << "row " << i;
    }
    // A zero query gives a constant logit row: flag undefined, value NaN (written as null).
    AttentionInput<double> z = in;
    z.q.row(5).setZero();
    auto rz = reference::evaluate<double>(VariantKind::Dpa, z, VariantParams{});
    EXPECT_EQ(rz.implied_flag[5], ImpliedTemperatureFlag::Undefined);
    EXPECT_TRUE(std::isnan(rz.implied_temperature[5]));
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] SSA with tau = 1 is DPA
// ---------------------------------------------------------------------------------------------------------------

// tau = 1 multiplies every logit by exactly 1.0 (and every value by exactly 1.0), so the same operations run on
// the same numbers: 4 eps is only headroom for an implementation that orders its products differently.
template <class T>
void ssa_tau_one_is_dpa() {
    for (bool causal : {true, false}) {
        const Index n = 17, d = 6;
        const AttentionInput<double> in = random_problem(31, n, d, 3, causal, 1.3);
        const auto dpa = reference::evaluate<T>(VariantKind::Dpa, in.cast<T>(), VariantParams{});
        std::vector<VariantParams> ones(3);
        ones[0].ssa_q.tau = std::vector<double>(n, 1.0);  // explicit tau_q = 1, tau_v = 1
        ones[0].ssa_v.tau = std::vector<double>(n, 1.0);
        ones[1].ssa_q.pos_coef = 0.0;  // 1 + 0 ln p + tanh(0) = 1
        ones[1].ssa_v.pos_coef = 0.0;
        ones[2].ssa_q.tau = std::vector<double>(n, 1.0);
        ones[2].value_temp = false;  // tau_v = 1
        for (const VariantParams& p : ones) {
            const auto ssa = reference::evaluate<T>(VariantKind::Ssa, in.cast<T>(), p);
            for (Index i = 0; i < n; ++i) {
                for (Index j = 0; j < n; ++j)
                    EXPECT_NEAR(double(ssa.weights(i, j)), double(dpa.weights(i, j)), 4 * eps<T>());
                for (Index a = 0; a < 3; ++a)
                    EXPECT_NEAR(double(ssa.output(i, a)), double(dpa.output(i, a)),
                                4 * eps<T>() * (1 + std::abs(double(dpa.output(i, a)))));
                EXPECT_NEAR(ssa.metrics.entropy[i], dpa.metrics.entropy[i], 16 * n * eps<T>());
                EXPECT_NEAR(ssa.temperature[i], 1.0, 4 * eps<T>()) << "1/tau = 1";
            }
        }
        // A constant tau = t is DPA at scale t/sqrt(d): the same logits up to one rounding of t*scale.
        VariantParams pt;
        pt.ssa_q.tau = std::vector<double>(n, 2.5);
        pt.value_temp = false;
        VariantParams pd;
        pd.scale = 2.5 / std::sqrt(double(d));
        const auto ssa = reference::evaluate<T>(VariantKind::Ssa, in.cast<T>(), pt);
        const auto dpa2 = reference::evaluate<T>(VariantKind::Dpa, in.cast<T>(), pd);
        // logits up to |l| ~ 2.5 * 1.3^2 * sqrt(6) ~ 10 carry a relative 2 eps: weights move by <= 2 * 10 * 2 eps
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j)
                EXPECT_NEAR(double(ssa.weights(i, j)), double(dpa2.weights(i, j)),
                            64 * eps<T>() * (1e-3 + double(dpa2.weights(i, j))));
    }
}

TEST(Properties, SsaWithTauOneIsDpaDouble) { ssa_tau_one_is_dpa<double>(); }
TEST(Properties, SsaWithTauOneIsDpaFloat) { ssa_tau_one_is_dpa<float>(); }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] key permutation permutes columns (non-causal)
// ---------------------------------------------------------------------------------------------------------------

// Permuting keys and values together (k'_j = k_pi(j), v'_j = v_pi(j)) must permute the weight columns
// (w'_ij = w_i,pi(j)) and leave outputs and metrics unchanged: none of these variants depends on a key's
// position when non-causal. (SSA's value temperature does depend on p_j, so value_temp is off for it.) The
// logits are the same numbers; only the order of each row's sums changes, a relative 2 m eps on every
// normaliser. LSSAR's stage 2 amplifies it: x = N A - 1 moves by N * 2 m eps and w = (x/x_max)^p by p times
// the relative change of x/x_max, i.e. <= p N 2 m eps / x_max; for these draws x_max >= 0.05 (checked), giving
// 15 * 24 * 48 * 2.2e-16 / 0.05 ~ 8e-11 in double. Ties in va_oblivious / va_aware do not occur with
// continuous random data beyond probability ~1e-12.
TEST(Properties, KeyPermutationPermutesColumns) {
    std::vector<Config> cs;
    for (const Config& c : configs())
        if (!c.causal_only) cs.push_back(c);
    const Index n = 24, d = 5, dv = 3;
    std::vector<Index> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::mt19937_64 rng(99);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::uint64_t seed = 500;
    for (const Config& c : cs) {
        if (n > c.max_n) continue;
        SCOPED_TRACE(c.label);
        const AttentionInput<double> in = random_problem(++seed, n, d, dv, false, 1.2);
        AttentionInput<double> pin = in;
        for (Index j = 0; j < n; ++j) {
            pin.k.row(j) = in.k.row(perm[j]);
            pin.v.row(j) = in.v.row(perm[j]);
        }
        VariantParams p;
        if (c.set) c.set(p, n, d, dv);
        if (c.kind == VariantKind::Ssa) p.value_temp = false;
        const auto a = reference::evaluate<double>(c.kind, in, p);
        const auto b = reference::evaluate<double>(c.kind, pin, p);
        double tol = 16 * n * eps<double>();
        if (c.kind == VariantKind::Lssar) tol = 1e-9;
        for (Index i = 0; i < n; ++i) {
            for (Index j = 0; j < n; ++j)
                ASSERT_NEAR(b.weights(i, j), a.weights(i, perm[j]), tol) << "w'(" << i << "," << j << ")";
            for (Index q = 0; q < dv; ++q) EXPECT_NEAR(b.output(i, q), a.output(i, q), tol * 8);
            EXPECT_NEAR(b.metrics.entropy[i], a.metrics.entropy[i], tol * 8);
            EXPECT_EQ(b.metrics.count_above[i], a.metrics.count_above[i]);
            EXPECT_EQ(b.implied_flag[i], a.implied_flag[i]);
            if (a.implied_flag[i] == ImpliedTemperatureFlag::Ok) {
                EXPECT_NEAR(b.implied_temperature[i], a.implied_temperature[i], 1e-7 * a.implied_temperature[i]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] LSSAR: a large p approaches the arg-max (spec §5.1)
// ---------------------------------------------------------------------------------------------------------------

// With x_j = N A_j - O (after the ReLU), w_j = (x_j / x_max)^p / sum, so as p grows the row entropy does not
// increase and the weight of the arg-max of A tends to 1: 1 - w_max <= (m-1) (x_2/x_1)^p. A naive x^p overflows
// float at x > 369^(1/15)... already at p = 1000 for x > 1.09: this also checks the stable form.
template <class T>
void lssar_large_p() {
    const Index n = 30, d = 6;
    const AttentionInput<double> in = random_problem(404, n, d, 2, true, 1.0);
    std::vector<AttentionResult<T>> rs;
    const std::vector<double> ps = {1, 3, 15, 60, 250, 1000};
    for (double pv : ps) {
        VariantParams p;
        p.p = pv;
        rs.push_back(reference::evaluate<T>(VariantKind::Lssar, in.cast<T>(), p));
    }
    for (Index i = 0; i < n; ++i) {
        const Index m = i + 1;
        for (std::size_t s = 0; s < rs.size(); ++s)
            for (Index j = 0; j < n; ++j) ASSERT_TRUE(std::isfinite(double(rs[s].weights(i, j)))) << "p=" << ps[s];
        for (std::size_t s = 1; s < rs.size(); ++s)
            EXPECT_LE(rs[s].metrics.entropy[i], rs[s - 1].metrics.entropy[i] + 64 * m * eps<T>())
                << "row " << i << ": entropy must not grow from p=" << ps[s - 1] << " to p=" << ps[s];
        // arg-max of the stage-1 weights (they are what x is monotone in)
        const auto& A = rs.back().extras.lssa_weights;
        Index j1 = 0;
        for (Index j = 1; j < m; ++j)
            if (A(i, j) > A(i, j1)) j1 = j;
        double x1 = -1, x2 = 0;
        const double O = i < 3 ? 0.0 : 1.0;
        for (Index j = 0; j < m; ++j) {
            const double x = std::max(0.0, double(m) * double(A(i, j)) - O);
            if (j == j1)
                x1 = x;
            else
                x2 = std::max(x2, x);
        }
        if (!(x1 > 0)) continue;  // uniform fallback row (nothing above the uniform level)
        const double ratio = x2 / x1;
        if (ratio > 0.99) continue;  // a near tie: the limit is not reached at p = 1000
        const double bound = double(m - 1) * std::pow(ratio, 1000.0);
        EXPECT_GE(double(rs.back().weights(i, j1)), 1 - bound - 8 * m * eps<T>())
            << "row " << i << ": p = 1000 must put almost all weight on the arg-max key " << j1;
    }
}

TEST(Properties, LssarLargePApproachesArgMaxDouble) { lssar_large_p<double>(); }
TEST(Properties, LssarLargePApproachesArgMaxFloat) { lssar_large_p<float>(); }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] selective attention: S, F and pruning (spec §3)
// ---------------------------------------------------------------------------------------------------------------

template <class T>
void selective_structure() {
    const Index n = 30, d = 4;
    std::vector<VariantParams> ps(5);
    ps[1].prune_threshold = 0.8;
    ps[2].budget = 4;
    ps[3].budget = 1;
    ps[3].protect_bos = false;
    ps[4].budget = 6;
    ps[4].prune_threshold = 2.0;
    int idx = 0;
    for (const VariantParams& p : ps) {
        SCOPED_TRACE("params set " + std::to_string(idx++));
        const AttentionInput<double> in = random_problem(600 + idx, n, d, 2, true, 1.4);
        const auto r = reference::evaluate<T>(VariantKind::Selective, in.cast<T>(), p);
        const auto& S = r.extras.sel_s;
        const auto& F = r.extras.sel_f;
        const auto& pruned = r.extras.pruned;
        ASSERT_EQ(S.rows(), n);
        ASSERT_EQ(F.rows(), n);
        ASSERT_EQ(pruned.rows(), n);
        const double s = 1 / std::sqrt(double(d));
        const Mat<T> q = in.q.cast<T>(), k = in.k.cast<T>();
        for (Index kk = 0; kk < n; ++kk)
            for (Index j = 0; j < n; ++j) {
                const bool active = j < kk && !(p.protect_bos && j == 0);
                LD dot = 0;
                for (Index a = 0; a < d; ++a) dot += LD(q(kk, a)) * LD(k(j, a));
                const double want = active ? std::max(0.0, double(s * dot)) : 0.0;
                // S = max(0, s q.k): d products and the scale, (d + 2) eps relative to the |terms|
                LD mag = 0;
                for (Index a = 0; a < d; ++a) mag += std::abs(LD(q(kk, a)) * LD(k(j, a)));
                EXPECT_NEAR(double(S(kk, j)), want, (d + 2) * eps<T>() * double(s * mag))
                    << "S(" << kk << "," << j << ")";
            }
        for (Index j = 0; j < n; ++j) {
            LD acc = 0, mag = 0;
            for (Index i = 0; i < n; ++i) {
                // F_ij = sum_{j<k<i} S_kj: i-1-j terms
                EXPECT_NEAR(double(F(i, j)), double(acc), (n + 2) * eps<T>() * double(mag) + 1e-300)
                    << "F(" << i << "," << j << ")";
                if (i > 0) {
                    EXPECT_GE(double(F(i, j)), double(F(i - 1, j))) << "F non-decreasing down column " << j;
                }
                if (i > j) acc += S(i, j), mag += std::abs(LD(S(i, j)));
            }
        }
        for (Index i = 0; i < n; ++i) {
            EXPECT_EQ(double(F(i, i)), 0.0);
            if (i > 0) {
                EXPECT_EQ(double(F(i, i - 1)), 0.0) << "the predecessor is never masked";
            }
            if (p.protect_bos) {
                EXPECT_EQ(double(F(i, 0)), 0.0) << "BOS is never masked";
            }
            int visible = 0;
            for (Index j = 0; j <= i; ++j) {
                if (pruned(i, j)) {
                    EXPECT_EQ(double(r.weights(i, j)), 0.0) << "pruned key has weight";
                    EXPECT_NE(j, i) << "the current token is always kept";
                    if (i + 1 < n) {
                        EXPECT_TRUE(pruned(i + 1, j)) << "pruning is permanent: (" << i << "," << j << ")";
                    }
                } else {
                    ++visible;
                    EXPECT_GT(double(r.weights(i, j)), 0.0);
                }
                if (p.prune_threshold && j < i && double(F(i, j)) > *p.prune_threshold) {
                    EXPECT_TRUE(pruned(i, j)) << "F > threshold must be pruned";
                }
                if (!p.budget && p.prune_threshold && double(F(i, j)) <= *p.prune_threshold) {
                    EXPECT_FALSE(pruned(i, j));
                }
            }
            for (Index j = i + 1; j < n; ++j) EXPECT_FALSE(pruned(i, j)) << "future keys are not 'pruned'";
            if (p.budget) {
                const int floor_keys = p.protect_bos ? 2 : 1;  // BOS and the current token may stay above B
                EXPECT_LE(visible, std::max<int>(int(*p.budget), floor_keys)) << "row " << i;
            }
            if (!p.budget && !p.prune_threshold) {
                EXPECT_EQ(visible, i + 1);
            }
        }
    }
}

TEST(Properties, SelectiveMaskStructureDouble) { selective_structure<double>(); }
TEST(Properties, SelectiveMaskStructureFloat) { selective_structure<float>(); }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] value-aware: optimality orderings (spec §4)
// ---------------------------------------------------------------------------------------------------------------

// OVA-r is the best convex combination of <= r values, and OVO-r (renormalised top-r) is one such combination,
// so error_aware <= error_oblivious; the exact optimum is no worse than greedy; a larger r is no worse; and
// top-r with r >= m is the exact kernel attention. The errors are norms of O(1) vectors computed to ~r m eps;
// 1e-9 is far above that and far below any real ordering violation.
TEST(Properties, ValueAwareOrderings) {
    for (bool causal : {true, false}) {
        const Index n = 12, d = 3, dv = 3;
        const AttentionInput<double> in = random_problem(808, n, d, dv, causal, 1.5);
        for (Kernel kern : {Kernel::Exp, Kernel::Relu2, Kernel::Softplus}) {
            SCOPED_TRACE(std::string(kernel_name(kern)) + (causal ? " causal" : " non-causal"));
            std::vector<double> prev;
            for (int r = 1; r <= 4; ++r) {
                VariantParams p;
                p.kernel = kern;
                p.r = r;
                const auto ob = reference::evaluate<double>(VariantKind::VaOblivious, in, p);
                const auto ex = reference::evaluate<double>(VariantKind::VaAware, in, p);
                p.solver = Solver::Greedy;
                const auto gr = reference::evaluate<double>(VariantKind::VaAware, in, p);
                ASSERT_EQ(ex.extras.error_l2.size(), std::size_t(n));
                for (Index i = 0; i < n; ++i) {
                    EXPECT_LE(ex.extras.error_l2[i], ob.extras.error_l2[i] + 1e-9) << "r=" << r << " row " << i;
                    EXPECT_LE(ex.extras.error_l2[i], gr.extras.error_l2[i] + 1e-9) << "r=" << r << " row " << i;
                    if (!prev.empty()) {
                        EXPECT_LE(ex.extras.error_l2[i], prev[i] + 1e-9) << "r=" << r << " row " << i;
                    }
                    int nnz = 0;
                    for (Index j = 0; j < n; ++j) nnz += ex.weights(i, j) != 0.0;
                    EXPECT_LE(nnz, r) << "at most r non-zeros";
                    // error_l2 = ||o_approx - o_exact|| with o_exact = exact_weights V
                    for (Index a = 0; a < dv; ++a) {
                        double o = 0;
                        for (Index j = 0; j < n; ++j) o += ex.extras.exact_weights(i, j) * in.v(j, a);
                        EXPECT_NEAR(ex.extras.exact_output(i, a), o, 1e-12);
                    }
                    double e2 = 0;
                    for (Index a = 0; a < dv; ++a) e2 += std::pow(ex.output(i, a) - ex.extras.exact_output(i, a), 2);
                    EXPECT_NEAR(ex.extras.error_l2[i], std::sqrt(e2), 1e-12);
                }
                prev = ex.extras.error_l2;
            }
            VariantParams all;
            all.kernel = kern;
            all.r = int(n);
            const auto ob = reference::evaluate<double>(VariantKind::VaOblivious, in, all);
            const auto vx = reference::evaluate<double>(VariantKind::VaExact, in, all);
            for (Index i = 0; i < n; ++i)
                for (Index j = 0; j < n; ++j) EXPECT_NEAR(ob.weights(i, j), vx.weights(i, j), 1e-15 * n);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] other symmetries
// ---------------------------------------------------------------------------------------------------------------

// EA weighs antiparallel keys like parallel ones (spec §6.1): flipping the sign of any key leaves s^2 and hence
// the weights unchanged exactly (s -> -s is exact in floating point).
TEST(Properties, ExpressiveAttentionIsSignSymmetric) {
    for (EaForm form : {EaForm::Bounded, EaForm::Plain}) {
        const AttentionInput<double> in = random_problem(21, 15, 4, 2, false, 2.0);
        AttentionInput<double> flipped = in;
        for (Index j = 0; j < 15; j += 2) flipped.k.row(j) *= -1.0;
        VariantParams p;
        p.form = form;
        const auto a = reference::attend<double>(VariantKind::Ea, in, p);
        const auto b = reference::attend<double>(VariantKind::Ea, flipped, p);
        EXPECT_TRUE(a.weights == b.weights) << "EA weights changed under k -> -k";
    }
}

// Softmax is shift-invariant: adding one vector c to every key adds q_i.c to a whole row of logits. The logits
// are ~|q||c| ~ 40 larger, so each carries a rounding of ~(d+2) eps * 40 absolute, which moves weights by that
// relative: 64 * 40 * eps bounds it with room.
TEST(Properties, DpaKeyShiftInvariance) {
    const Index n = 16, d = 4;
    const AttentionInput<double> in = random_problem(3, n, d, 2, true, 1.0);
    AttentionInput<double> sh = in;
    for (Index j = 0; j < n; ++j) sh.k.row(j) += Eigen::RowVectorXd::Constant(d, 10.0);
    const auto a = reference::attend<double>(VariantKind::Dpa, in, VariantParams{});
    const auto b = reference::attend<double>(VariantKind::Dpa, sh, VariantParams{});
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < n; ++j) EXPECT_NEAR(a.weights(i, j), b.weights(i, j), 64 * 40 * eps<double>());
}

// Every exactly uniform row must give count_above_uniform = 0, for every m from 1 to 1024, in both precisions
// (spec §7: m * fl(1/m) < 1 for m = 41, 47, ... in float and 49, 98, ... in double). Zero queries make every
// softmax row exactly uniform; EA and LSSAR take their zero-normaliser fallbacks.
template <class T>
void uniform_rows_count_zero() {
    const Index n = 1024;
    AttentionInput<double> in = random_problem(1, n, 1, 1, true);
    in.q.setZero();
    for (VariantKind k : {VariantKind::Dpa, VariantKind::Ea, VariantKind::Lssar}) {
        const auto r = reference::evaluate<T>(k, in.cast<T>(), VariantParams{}, false);
        for (Index i = 0; i < n; ++i) {
            ASSERT_EQ(r.metrics.count_above_uniform[i], 0) << variant_name(k) << " m = " << i + 1;
            ASSERT_NEAR(r.metrics.entropy_normalised[i], i == 0 ? 0.0 : 1.0, 4 * (i + 1) * eps<T>());
            ASSERT_EQ(double(r.weights(i, i / 2)), double(T(1) / T(i + 1))) << "uniform fallback weight is exactly 1/m";
        }
    }
}

TEST(Properties, ExactlyUniformRowsCountZeroDouble) { uniform_rows_count_zero<double>(); }
TEST(Properties, ExactlyUniformRowsCountZeroFloat) { uniform_rows_count_zero<float>(); }

}  // namespace
}  // namespace attnscope::test
