// Presets: deterministic generators, and each preset tells the story its one-line explanation promises, checked
// on the double-precision reference (the truth), not on the GUI.
#include "core/scene_presets.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"

namespace attnscope {
namespace {

AttentionInput<double> input_of(const Scene& s) { return {s.tokens->q, s.tokens->k, s.tokens->v, s.causal}; }

AttentionResult<double> run(const Scene& s, VariantKind kind, const VariantParams& p = {}) {
    return reference::attend<double>(kind, input_of(s), p);
}

TEST(ScenePresets, CounterNormalIsStandardNormal) {
    // 20000 draws: the standard error of the mean is 0.007 and of the variance about 0.01; 4 sigma bounds.
    double sum = 0, sum2 = 0;
    const int count = 20000;
    for (int i = 0; i < count; ++i) {
        const double x = counter_normal(42, static_cast<std::uint64_t>(i));
        sum += x;
        sum2 += x * x;
    }
    const double mean = sum / count, var = sum2 / count - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.03);
    EXPECT_NEAR(var, 1.0, 0.04);
}

TEST(ScenePresets, TokenIDependsOnlyOnPresetSeedIndexAndShape) {
    for (const PresetInfo& p : all_presets()) {
        const SceneGenerator g{std::string(p.id), 5};
        const SceneTokens a = generate_tokens(g, 0, 40, p.d, p.dv);
        const SceneTokens b = generate_tokens(g, 30, 40, p.d, p.dv);
        EXPECT_EQ(a.q.bottomRows(10), b.q) << p.id;
        EXPECT_EQ(a.v.bottomRows(10), b.v) << p.id;
        const SceneTokens other_seed = generate_tokens({std::string(p.id), 6}, 0, 40, p.d, p.dv);
        EXPECT_NE(a.k, other_seed.k) << p.id;
    }
}

TEST(ScenePresets, EveryPresetBuildsAValidScene) {
    std::set<std::string> ids;
    for (const PresetInfo& p : all_presets()) {
        ids.insert(std::string(p.id));
        const Scene s = make_preset_scene(p.id);
        EXPECT_EQ(s.n(), p.n);
        EXPECT_EQ(s.d(), p.d);
        EXPECT_EQ(s.dv(), p.dv);
        EXPECT_EQ(static_cast<int>(s.tokens->labels.size()), p.n);
        EXPECT_FALSE(s.columns.empty());
        EXPECT_FALSE(s.description.empty());
        EXPECT_TRUE(s.tokens->q.allFinite() && s.tokens->k.allFinite() && s.tokens->v.allFinite());
        std::set<int> col_ids;
        for (const SceneColumn& c : s.columns) col_ids.insert(c.id);
        EXPECT_EQ(col_ids.size(), s.columns.size());
        for (const SceneColumn& c : s.columns) {
            if (variant_requires_causal(c.kind) && !s.causal) continue;
            EXPECT_NO_THROW(run(s, c.kind, c.params)) << p.id << " " << variant_name(c.kind);
        }
    }
    for (const char* id : {"needle", "dilution", "noisy_values", "parallel", "superseded", "random"})
        EXPECT_TRUE(ids.count(id)) << id;
    EXPECT_THROW(make_preset_scene("nope"), InputError);
}

TEST(ScenePresets, DefaultSceneHasTheSixIssueColumns) {
    const Scene s = make_default_scene();
    ASSERT_EQ(s.columns.size(), 6u);
    const VariantKind want[] = {VariantKind::Dpa,   VariantKind::Ssa, VariantKind::Selective,
                                VariantKind::Lssar, VariantKind::Ea,  VariantKind::VaAware};
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(s.columns[i].kind, want[i]);
    EXPECT_EQ(s.columns[5].params.r, 4);
    EXPECT_EQ(s.columns[5].params.solver, Solver::Greedy);
}

// The needle (key 2) in the last row: softmax's weight falls with length, LSSAR and SSA keep more of it.
TEST(ScenePresets, NeedleWeightFallsForSoftmaxAndIsHeldByLengthScaledVariants) {
    const Scene short_s = make_preset_scene("needle", 1, 16);
    const Scene long_s = make_preset_scene("needle", 1, 512);
    ASSERT_EQ(long_s.tokens->labels[2], "needle");
    const auto needle = [](const AttentionResult<double>& r) { return r.weights(r.n() - 1, 2); };
    const double dpa_short = needle(run(short_s, VariantKind::Dpa));
    const double dpa_long = needle(run(long_s, VariantKind::Dpa));
    EXPECT_GT(dpa_short, 0.4);
    EXPECT_LT(dpa_long, 0.5 * dpa_short);
    EXPECT_GT(needle(run(long_s, VariantKind::Lssar)), 0.5);
    EXPECT_GT(needle(run(long_s, VariantKind::Ssa)), 2.0 * dpa_long);
}

// Dilution: softmax entropy grows with the row's support; LSSAR's stays well below it at the end.
TEST(ScenePresets, DilutionEntropyGrowsForSoftmax) {
    const Scene s = make_preset_scene("dilution", 1, 256);
    AttentionResult<double> dpa = run(s, VariantKind::Dpa);
    reference::analyse<double>(input_of(s), {}, dpa, false);
    AttentionResult<double> lssar = run(s, VariantKind::Lssar);
    reference::analyse<double>(input_of(s), {}, lssar, false);
    const double h16 = dpa.metrics.entropy[16], h255 = dpa.metrics.entropy[255];
    EXPECT_GT(h255, h16 + 1.0);  // ln(256/17) = 2.7 for uniform rows; random logits keep most of it
    EXPECT_LT(lssar.metrics.entropy[255], 0.5 * h255);
}

// Noisy values: top-r (value-oblivious) misses the exact output by far more than value-aware r-sparse.
TEST(ScenePresets, ValueAwareBeatsTopRWithNoisyValues) {
    const Scene s = make_preset_scene("noisy_values");
    VariantParams p;
    p.r = 2;
    const auto obl = run(s, VariantKind::VaOblivious, p);
    const auto aware = run(s, VariantKind::VaAware, p);
    double e_obl = 0, e_aware = 0;
    for (int i = 4; i < s.n(); ++i) {
        e_obl += obl.extras.error_l2[static_cast<std::size_t>(i)];
        e_aware += aware.extras.error_l2[static_cast<std::size_t>(i)];
    }
    EXPECT_GT(e_obl, 3.0 * e_aware);
}

// Parallel vs antiparallel: EA gives a +u key and a -u key the same weight; softmax gives the -u key almost none.
TEST(ScenePresets, ExpressiveAttentionTreatsAntiparallelKeysLikeParallelOnes) {
    const Scene s = make_preset_scene("parallel");
    ASSERT_EQ(s.tokens->labels[4].rfind("par", 0), 0u);
    ASSERT_EQ(s.tokens->labels[5].rfind("anti", 0), 0u);
    const auto ea = run(s, VariantKind::Ea);
    const auto dpa = run(s, VariantKind::Dpa);
    const int last = s.n() - 1;
    EXPECT_NEAR(ea.weights(last, 5) / ea.weights(last, 4), 1.0, 0.1);
    EXPECT_LT(dpa.weights(last, 5), 0.05 * dpa.weights(last, 4));
}

// Superseded assignments: for a token assigning variable x, selective attention gives an older assignment of x
// much less weight than softmax does.
TEST(ScenePresets, SelectiveAttentionMasksSupersededAssignments) {
    const Scene s = make_preset_scene("superseded", 1, 24);
    const auto dpa = run(s, VariantKind::Dpa);
    const auto sel = run(s, VariantKind::Selective);
    const auto& labels = s.tokens->labels;
    double dpa_old = 0, sel_old = 0;
    int pairs = 0;
    for (int i = 1; i < s.n(); ++i)
        for (int j = 1; j + 1 < i; ++j) {
            if (labels[static_cast<std::size_t>(i)][0] != labels[static_cast<std::size_t>(j)][0]) continue;
            bool superseded = false;  // a later assignment of the same variable before i
            for (int k = j + 1; k < i; ++k)
                superseded |= labels[static_cast<std::size_t>(k)][0] == labels[static_cast<std::size_t>(j)][0];
            if (!superseded) continue;
            dpa_old += dpa.weights(i, j);
            sel_old += sel.weights(i, j);
            ++pairs;
        }
    ASSERT_GT(pairs, 5);
    EXPECT_LT(sel_old, 0.2 * dpa_old);
}

}  // namespace
}  // namespace attnscope
