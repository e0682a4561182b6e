// Scene edits, undo and redo: every edit is checked against the state it must produce, computed here by hand.
#include "core/scene_edit.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/scene_history.hpp"
#include "core/scene_presets.hpp"

namespace attnscope {
namespace {

Scene small_scene(int n = 6) { return make_preset_scene("random", 7, n); }

SceneEdit set_key(int row, std::vector<double> v, std::uint64_t gesture = 0) {
    return {edit::SetRow{TokenField::K, row, std::move(v)}, gesture, ""};
}

TEST(SceneEdit, SetRowChangesOneRowAndBumpsRevisions) {
    Scene s = small_scene();
    const SceneTokens before = *s.tokens;
    const auto rev = s.revision, data_rev = s.data_revision;
    const std::vector<double> v(static_cast<std::size_t>(s.d()), 0.5);
    apply_edit(s, set_key(2, v));
    for (int c = 0; c < s.d(); ++c) EXPECT_EQ(s.tokens->k(2, c), 0.5);
    EXPECT_EQ(s.tokens->k.row(1), before.k.row(1));
    EXPECT_EQ(s.tokens->q, before.q);
    EXPECT_EQ(s.revision, rev + 1);
    EXPECT_EQ(s.data_revision, data_rev + 1);
}

TEST(SceneEdit, InvalidEditThrowsAndLeavesTheSceneAlone) {
    Scene s = small_scene();
    const auto tokens = s.tokens;
    const auto rev = s.revision;
    EXPECT_THROW(apply_edit(s, set_key(99, std::vector<double>(static_cast<std::size_t>(s.d()), 1.0))), InputError);
    EXPECT_THROW(apply_edit(s, set_key(0, {1.0})), InputError);  // wrong width
    EXPECT_THROW(apply_edit(s, set_key(0, std::vector<double>(static_cast<std::size_t>(s.d()), NAN))), InputError);
    EXPECT_THROW(apply_edit(s, {edit::SetLength{0}, 0, ""}), InputError);
    EXPECT_THROW(apply_edit(s, {edit::SetLength{kSceneMaxTokens + 1}, 0, ""}), InputError);
    EXPECT_THROW(apply_edit(s, {edit::SetDims{0, 2}, 0, ""}), InputError);
    EXPECT_EQ(s.tokens, tokens);
    EXPECT_EQ(s.revision, rev);
}

TEST(SceneEdit, LabelEditDoesNotAskForARecompute) {
    Scene s = small_scene();
    const auto data_rev = s.data_revision;
    apply_edit(s, {edit::SetLabel{1, "cat"}, 0, ""});
    EXPECT_EQ(s.tokens->labels[1], "cat");
    EXPECT_EQ(s.data_revision, data_rev);
}

TEST(SceneEdit, InsertEraseAndMoveKeepRowsAndLabelsTogether) {
    Scene s = small_scene(4);
    const SceneTokens t0 = *s.tokens;
    apply_edit(s, {edit::InsertToken{1, std::vector<double>(static_cast<std::size_t>(s.d()), 9.0), std::nullopt,
                                     std::nullopt, std::string("new")},
                   0, ""});
    ASSERT_EQ(s.n(), 5);
    EXPECT_EQ(s.tokens->labels[1], "new");
    EXPECT_EQ(s.tokens->q(1, 0), 9.0);
    EXPECT_EQ(s.tokens->q.row(2), t0.q.row(1));
    apply_edit(s, {edit::MoveToken{1, 4}, 0, ""});  // "new" goes last
    EXPECT_EQ(s.tokens->labels[4], "new");
    EXPECT_EQ(s.tokens->labels[1], t0.labels[1]);
    EXPECT_EQ(s.tokens->k.row(3), t0.k.row(3));
    apply_edit(s, {edit::EraseToken{4}, 0, ""});
    EXPECT_EQ(s.tokens->q, t0.q);
    EXPECT_EQ(s.tokens->labels, t0.labels);
    Scene one = small_scene(1);
    EXPECT_THROW(apply_edit(one, {edit::EraseToken{0}, 0, ""}), InputError);
}

TEST(SceneEdit, LengthShrinkThenGrowGivesTheGeneratedTokensBackAndKeepsEdits) {
    Scene s = small_scene(8);
    const SceneTokens full = *s.tokens;
    apply_edit(s, set_key(0, std::vector<double>(static_cast<std::size_t>(s.d()), 3.0)));
    apply_edit(s, {edit::SetLength{3}, 0, ""});
    EXPECT_EQ(s.n(), 3);
    apply_edit(s, {edit::SetLength{8}, 0, ""});
    ASSERT_EQ(s.n(), 8);
    EXPECT_EQ(s.tokens->k(0, 0), 3.0);                           // the edit survives
    EXPECT_EQ(s.tokens->k.bottomRows(5), full.k.bottomRows(5));  // generator tokens come back
    EXPECT_EQ(s.tokens->labels, full.labels);
}

TEST(SceneEdit, NewDimensionsStartAtZeroSoDotProductsStay) {
    Scene s = small_scene(5);
    const MatD logits = s.tokens->q * s.tokens->k.transpose();
    apply_edit(s, {edit::SetDims{s.d() + 3, s.dv()}, 0, ""});
    const MatD after = s.tokens->q * s.tokens->k.transpose();
    EXPECT_TRUE(after.isApprox(logits, 0.0) || (after - logits).cwiseAbs().maxCoeff() == 0.0);
    EXPECT_EQ(s.tokens->q.rightCols(3).cwiseAbs().maxCoeff(), 0.0);
}

TEST(SceneHistory, UndoAndRedoRestoreExactStates) {
    Scene s = small_scene();
    SceneHistory h;
    const auto t0 = s.tokens;
    h.apply(s, set_key(1, std::vector<double>(static_cast<std::size_t>(s.d()), 1.0)));
    const auto t1 = s.tokens;
    h.apply(s, {edit::SetCausal{false}, 0, ""});
    h.apply(s, {edit::SetLength{3}, 0, ""});
    EXPECT_EQ(h.undo_steps(), 3u);
    EXPECT_EQ(h.undo_label(), "Set length 3");
    ASSERT_TRUE(h.undo(s));
    EXPECT_EQ(s.n(), 6);
    ASSERT_TRUE(h.undo(s));
    EXPECT_TRUE(s.causal);
    ASSERT_TRUE(h.undo(s));
    EXPECT_EQ(*s.tokens->k.data(), *t0->k.data());
    EXPECT_EQ(s.tokens->k, t0->k);
    EXPECT_FALSE(h.undo(s));
    ASSERT_TRUE(h.redo(s));
    EXPECT_EQ(s.tokens->k, t1->k);
    ASSERT_TRUE(h.redo(s));
    EXPECT_FALSE(s.causal);
    // A new edit after an undo drops the redo branch.
    h.undo(s);
    h.apply(s, {edit::SetLabel{0, "x"}, 0, ""});
    EXPECT_FALSE(h.can_redo());
}

TEST(SceneHistory, ADragIsOneUndoStep) {
    Scene s = small_scene();
    SceneHistory h;
    const MatD k0 = s.tokens->k;
    const std::uint64_t g = new_gesture_id();
    for (int step = 1; step <= 20; ++step)
        h.apply(s, set_key(2, std::vector<double>(static_cast<std::size_t>(s.d()), 0.1 * step), g));
    EXPECT_EQ(h.undo_steps(), 1u);
    EXPECT_DOUBLE_EQ(s.tokens->k(2, 0), 2.0);
    h.undo(s);
    EXPECT_EQ(s.tokens->k, k0);
    h.redo(s);
    EXPECT_DOUBLE_EQ(s.tokens->k(2, 0), 2.0);
    // A second drag with a new id is a second step.
    const std::uint64_t g2 = new_gesture_id();
    h.apply(s, set_key(2, std::vector<double>(static_cast<std::size_t>(s.d()), -1.0), g2));
    EXPECT_EQ(h.undo_steps(), 2u);
}

TEST(SceneHistory, LengthScrubIsOneStepEvenThroughShrinkAndGrow) {
    Scene s = small_scene(10);
    const SceneTokens t0 = *s.tokens;
    SceneHistory h;
    const std::uint64_t g = new_gesture_id();
    for (int n : {40, 15, 3, 60, 12}) h.apply(s, {edit::SetLength{n}, g, ""});
    EXPECT_EQ(s.n(), 12);
    EXPECT_EQ(h.undo_steps(), 1u);
    h.undo(s);
    EXPECT_EQ(s.tokens->q, t0.q);
    EXPECT_EQ(s.tokens->labels, t0.labels);
}

TEST(SceneHistory, ColumnsAddRemoveMoveAndUndo) {
    Scene s = small_scene();
    SceneHistory h;
    const auto cols0 = s.columns;
    SceneColumn c;
    c.kind = VariantKind::Ea;
    c.params.form = EaForm::Plain;
    h.apply(s, {edit::AddColumn{0, c}, 0, ""});
    ASSERT_EQ(s.columns.size(), cols0.size() + 1);
    EXPECT_EQ(s.columns[0].kind, VariantKind::Ea);
    const int new_id = s.columns[0].id;
    for (const SceneColumn& old : cols0) EXPECT_NE(old.id, new_id);
    h.apply(s, {edit::MoveColumn{new_id, 3}, 0, ""});
    EXPECT_EQ(s.columns[3].id, new_id);
    SceneColumn changed = s.columns[3];
    changed.params.form = EaForm::Bounded;
    h.apply(s, {edit::SetColumn{changed}, 0, ""});
    EXPECT_EQ(s.columns[3].params.form, EaForm::Bounded);
    h.apply(s, {edit::RemoveColumn{new_id}, 0, ""});
    EXPECT_EQ(s.columns.size(), cols0.size());
    for (int i = 0; i < 4; ++i) h.undo(s);
    ASSERT_EQ(s.columns.size(), cols0.size());
    for (std::size_t i = 0; i < cols0.size(); ++i) EXPECT_EQ(s.columns[i].id, cols0[i].id);
    EXPECT_THROW(h.apply(s, {edit::RemoveColumn{12345}, 0, ""}), InputError);
}

TEST(SceneHistory, LoadingAPresetIsUndoableAndKeepsTheViewSettings) {
    Scene s = small_scene();
    s.view.colormap = "cividis";
    SceneHistory h;
    const auto tokens = s.tokens;
    const std::string name = s.name;
    auto preset = std::make_shared<Scene>(make_preset_scene("parallel"));
    h.apply(s, {edit::ReplaceScene{preset}, 0, ""});
    EXPECT_EQ(s.name, preset->name);
    EXPECT_EQ(s.view.colormap, "cividis");
    EXPECT_EQ(s.n(), preset->n());
    h.undo(s);
    EXPECT_EQ(s.tokens, tokens);
    EXPECT_EQ(s.name, name);
}

TEST(SceneHistory, OldStepsAreDroppedPastTheByteBudget) {
    Scene s = make_preset_scene("random", 1, 1000);  // 1000 x (4 + 4 + 4) doubles = 96 kB per memento
    SceneHistory h(500, 400 * 1024);
    for (int i = 0; i < 20; ++i) h.apply(s, set_key(i, std::vector<double>(4, 1.0 * i)));
    EXPECT_LE(h.undo_steps(), 5u);
    EXPECT_GE(h.undo_steps(), 3u);
}

}  // namespace
}  // namespace attnscope
