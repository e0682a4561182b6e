// The Model view's probe and the Train view's session.
//
// Probe: swapping a layer's score function for the model's *own* variant (through
// reference::attend, in float) must reproduce the model's prediction and map; other variants change them; the
// query override moves exactly the row it should.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/errors.hpp"
#include "core/model/probe.hpp"
#include "core/model/rng.hpp"
#include "core/training/train_session.hpp"
#include "tests/model/checkpoint_fixtures.hpp"

namespace attnscope::model::test {
namespace {

Transformer<float> random_model(VariantKind kind) {
    ModelConfig c;
    c.vocab = 11;
    c.d_model = 16;
    c.n_layers = 2;
    c.n_heads = 2;
    c.d_ff = 32;
    c.train_len = 12;
    c.max_positions = 12;
    c.variant = kind;
    Transformer<float> m(c);
    m.init(4);
    Rng rng(8);  // move off the initialisation so maps are not near-uniform
    for (Eigen::Index i = 0; i < m.params().size(); ++i) m.params()(i) += static_cast<float>(0.4 * rng.normal());
    return m;
}

const std::vector<int> kTokens = {0, 3, 7, 1, 9, 3, 7, 2, 5, 10};

class ProbeOwnVariant : public ::testing::TestWithParam<VariantKind> {};

// float model vs float reference on the same inputs: maps agree to ~n * eps_32 ~ 1e-6 relative. The KL itself is
// quadratic in that difference, but it is summed from float probabilities whose totals differ from 1 by a few
// eps_32, a first-order term of order 1e-7 (observed 1e-8 to 3e-8 across machines). A wrong parameter mapping
// (e.g. SSA's learned temperatures not passed, or selective not using head 0) gives KL >> 1e-4.
TEST_P(ProbeOwnVariant, SwappingInTheOwnVariantReproducesTheModel) {
    const VariantKind kind = GetParam();
    Transformer<float> m = random_model(kind);
    ProbeRequest rq;
    rq.tokens = kTokens;
    rq.layer = 1;
    rq.head = 1;
    rq.variants = {kind, VariantKind::Dpa, VariantKind::VaOblivious, VariantKind::VaAware};
    const ProbeResult r = probe(m, rq);
    ASSERT_EQ(r.variants.size(), 4u);
    EXPECT_LT(r.variants[0].kl_from_own, 1e-6);
    EXPECT_LT((r.variants[0].weights - r.own_weights).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_EQ(r.own_weights.rows(), 10);
    EXPECT_EQ(r.all_heads.size(), 2u);
    for (const auto& vp : r.variants) {
        EXPECT_TRUE(vp.error.empty()) << vp.error;
        EXPECT_NEAR(vp.next_probs.sum(), 1.0, 1e-5);
    }
    if (kind != VariantKind::Dpa) {
        EXPECT_GT(r.variants[1].kl_from_own, 1e-6) << "dpa should differ from " << variant_name(kind);
    }
}

INSTANTIATE_TEST_SUITE_P(Trainable, ProbeOwnVariant,
                         ::testing::Values(VariantKind::Dpa, VariantKind::Ssa, VariantKind::Selective,
                                           VariantKind::Lssa, VariantKind::Lssar, VariantKind::Ea),
                         [](const ::testing::TestParamInfo<VariantKind>& p) { return std::string(variant_name(p.param)); });

TEST(Probe, QueryOverrideMovesOnlyItsRow) {
    Transformer<float> m = random_model(VariantKind::Dpa);
    ProbeRequest rq;
    rq.tokens = kTokens;
    rq.layer = 0;
    rq.head = 0;
    const ProbeResult base = probe(m, rq);
    rq.override_qk = ProbeOverride{6, true, (base.q.row(6) * -3.0f).transpose().cast<double>()};
    const ProbeResult moved = probe(m, rq);
    EXPECT_GT((moved.own_weights.row(6) - base.own_weights.row(6)).cwiseAbs().maxCoeff(), 1e-3);
    for (int i = 0; i < 10; ++i) {
        if (i != 6) {
            EXPECT_EQ(moved.own_weights.row(i), base.own_weights.row(i)) << "row " << i;
        }
    }
    EXPECT_GT(kl_divergence(base.own_probs, moved.own_probs), 0.0);
}

TEST(Probe, BadRequestsAreInputErrors) {
    Transformer<float> m = random_model(VariantKind::Dpa);
    ProbeRequest rq;
    rq.tokens = kTokens;
    rq.layer = 2;
    EXPECT_THROW(probe(m, rq), InputError);
    rq.layer = 0;
    rq.head = -1;
    EXPECT_THROW(probe(m, rq), InputError);
    rq.head = 0;
    rq.override_qk = ProbeOverride{3, false, Vec<double>::Zero(3)};
    EXPECT_THROW(probe(m, rq), InputError);
}

}  // namespace
}  // namespace attnscope::model::test

namespace attnscope::training::test {
namespace {

// The Train view's session: paused at start, single steps, runs to the end, saves; snapshots carry every head's
// probe map (rows sum to 1) and per-query diagnostics.
TEST(TrainSession, PauseStepRunSave) {
    const model::ModelConfig c = model::test::tiny_copy_config(10);
    TrainOptions o;
    o.steps = 20;
    o.batch = 4;
    o.seq_len = 10;
    o.test_size = 8;
    o.eval_every = 10;
    const tasks::TaskBatch probe = tasks::test_set(*tasks::make_task("copy"), 10, 1);
    TrainSession s(c, "copy", o, probe.tokens);
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 400 && !pred(*s.snapshot()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred(*s.snapshot());
    };
    ASSERT_TRUE(wait_for([](const SessionSnapshot& x) { return x.revision > 0; }));
    EXPECT_EQ(s.snapshot()->step, 0);
    s.step_once();
    ASSERT_TRUE(wait_for([](const SessionSnapshot& x) { return x.step == 1; }));
    EXPECT_TRUE(s.snapshot()->paused);
    s.set_paused(false);
    ASSERT_TRUE(wait_for([](const SessionSnapshot& x) { return x.finished; }));
    const auto snap = s.snapshot();
    EXPECT_EQ(snap->step, 20);
    EXPECT_GE(snap->test_accuracy, 0.0);
    ASSERT_EQ(snap->maps.size(), 2u);
    for (const auto& m : snap->maps)
        for (int i = 0; i < 10; ++i) EXPECT_NEAR(m.row(i).sum(), 1.0f, 1e-5f);
    EXPECT_EQ(snap->entropy[0].size(), 10u);
    EXPECT_EQ(snap->entropy[0][0], 0.0);  // the first query sees one key
    const auto dir = std::filesystem::path(ATTNSCOPE_BINARY_DIR) / "tests" / "model" / "scratch" / "train_session";
    std::filesystem::create_directories(dir);
    s.save(dir / "session.safetensors");
    ASSERT_TRUE(wait_for([](const SessionSnapshot& x) { return x.message.rfind("saved", 0) == 0; }));
    EXPECT_EQ(load_checkpoint(dir / "session.safetensors").step, 20);
    s.reset();
    ASSERT_TRUE(wait_for([](const SessionSnapshot& x) { return x.step == 0 && x.message == "reset to step 0"; }));
}

}  // namespace
}  // namespace attnscope::training::test
