// param_lists_test.cpp — the list-valued parameters as text (app/gui/param_lists.hpp): parsing, the red message that
// names the bad entry, shapes taken from the scene, and the edit the popup emits going through the undo history.
// Expected numbers are written out by hand; messages are checked for the words a user needs (entry, index, length).
#include "app/gui/param_lists.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/reference/attend.hpp"
#include "core/scene_edit.hpp"
#include "core/scene_history.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::gui {
namespace {

ListShape list_of(int n) { return ListShape{1, n, false, "n (one per token)"}; }

TEST(ParamLists, ParsesCommaSpaceAndJsonSpellings) {
    for (const char* text : {"1, 0.5, 2", "1 0.5 2", "[1, 0.5, 2]", " 1,0.5,\t2 ", "1e0, 5e-1, +2", "1;0.5\n2"}) {
        const ListParse p = parse_list(text, list_of(3));
        ASSERT_TRUE(p.values) << text << ": " << p.error;
        EXPECT_EQ(*p.values, (std::vector<double>{1.0, 0.5, 2.0})) << text;
    }
}

TEST(ParamLists, NamesTheBadEntry) {
    const ListParse p = parse_list("1, 0.5x, 2", list_of(3));
    EXPECT_FALSE(p.values);
    EXPECT_EQ(p.bad_entry, 1);
    EXPECT_NE(p.error.find("entry 2"), std::string::npos) << p.error;  // people count from 1
    EXPECT_NE(p.error.find("\"0.5x\""), std::string::npos) << p.error;
    EXPECT_NE(p.error.find("not a number"), std::string::npos) << p.error;

    for (const char* bad : {"1, nan, 2", "1, inf, 2", "1, -infinity, 2"}) {
        const ListParse q = parse_list(bad, list_of(3));
        EXPECT_FALSE(q.values) << bad;
        EXPECT_EQ(q.bad_entry, 1) << bad;
        EXPECT_NE(q.error.find("not finite"), std::string::npos) << q.error;
    }
    const ListParse big = parse_list("1e999", list_of(1));
    EXPECT_FALSE(big.values);
    EXPECT_NE(big.error.find("too large"), std::string::npos) << big.error;
}

TEST(ParamLists, LengthMustMatchTheScene) {
    const ListParse shorter = parse_list("1, 2", list_of(3));
    EXPECT_FALSE(shorter.values);
    EXPECT_EQ(shorter.bad_entry, -1);
    EXPECT_NE(shorter.error.find("has 2 entries, but needs 3"), std::string::npos) << shorter.error;
    EXPECT_NE(shorter.error.find("one per token"), std::string::npos) << shorter.error;
    EXPECT_FALSE(parse_list("", list_of(3)).values);
    EXPECT_FALSE(parse_list("1, 2, 3, 4", list_of(3)).values);
}

TEST(ParamLists, MatrixRowsAndWidths) {
    const ListShape shape{3, 2, true, "d (the width of Q and K)"};
    for (const char* text : {"1, 0; 0.5, 2; -1, 3", "1 0\n0.5 2\n-1 3\n", "[[1, 0], [0.5, 2], [-1, 3]]"}) {
        const ListParse p = parse_list(text, shape);
        ASSERT_TRUE(p.values) << text << ": " << p.error;
        EXPECT_EQ(*p.values, (std::vector<double>{1, 0, 0.5, 2, -1, 3})) << text;
    }
    const ListParse ragged = parse_list("1, 0; 0.5; -1, 3", shape);
    EXPECT_FALSE(ragged.values);
    EXPECT_NE(ragged.error.find("row 2 has 1 numbers, but needs 2"), std::string::npos) << ragged.error;
    EXPECT_EQ(ragged.bad_entry, 2);
    const ListParse rows = parse_list("1, 0; 0.5, 2", shape);
    EXPECT_FALSE(rows.values);
    EXPECT_NE(rows.error.find("has 2 rows, but needs 3"), std::string::npos) << rows.error;
}

TEST(ParamLists, FormatReadsBackExactly) {
    const std::vector<double> v{0.1, -1.0 / 3.0, 1e-300, 12345.678901234567, -0.0};
    const std::string text = format_list(v, 5, false);
    const ListParse p = parse_list(text, list_of(5));
    ASSERT_TRUE(p.values) << text;
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ((*p.values)[i], v[i]) << text;  // shortest round trip
    EXPECT_EQ(format_list(std::vector<double>{1, 2, 3, 4}, 2, true), "1, 2; 3, 4");
}

TEST(ParamLists, ShapesComeFromTheSceneAndThePartnerHead) {
    const Scene s = make_preset_scene("random", 1, 6);  // n = 6
    VariantParams p;
    EXPECT_EQ(list_shape(ListParam::TauQ, s, p).cols, s.n());
    EXPECT_EQ(list_shape(ListParam::WTokQ, s, p).cols, s.d());
    EXPECT_EQ(list_shape(ListParam::WTokV, s, p).cols, s.dv());
    EXPECT_EQ(list_shape(ListParam::SelQ, s, p).rows, s.n());
    EXPECT_EQ(list_shape(ListParam::SelQ, s, p).cols, s.d());
    p.sel_k = MatD::Zero(s.n(), 3);
    EXPECT_EQ(list_shape(ListParam::SelQ, s, p).cols, 3);  // sel_Q must be as wide as sel_K
    EXPECT_EQ(list_params_of(VariantKind::Ssa, VariantParams{}).size(), 6u);
    VariantParams no_v;
    no_v.value_temp = false;
    EXPECT_EQ(list_params_of(VariantKind::Ssa, no_v).size(), 3u);
    EXPECT_EQ(list_params_of(VariantKind::Selective, VariantParams{}).size(), 2u);
    EXPECT_TRUE(list_params_of(VariantKind::Dpa, VariantParams{}).empty());
}

// "set" starts tau from the temperatures in effect: tau(i) = 1 + c ln(i+1) + tanh(u(i)) (spec §2.3), computed here
// by hand for c = 0.5 (alpha = 0) and u = 0, then checked by the reference: an explicit tau equal to the formula's
// gives the same weights as the formula.
TEST(ParamLists, SetStartsFromTheFormulaInEffect) {
    const Scene s = make_preset_scene("random", 4, 5);
    VariantParams p;
    const std::vector<double> tau = fitted_list(ListParam::TauQ, s, p);
    ASSERT_EQ(tau.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(tau[i], 1.0 + 0.5 * std::log(i + 1.0), 1e-15) << i;

    ASSERT_EQ(s.d(), 4);  // the random preset's width
    p.ssa_q.w_tok = std::vector<double>{0.3, -0.7, 0.1, 0.25};
    p.ssa_q.b_tok = 0.2;
    p.ssa_v.beta = 1.0;
    VariantParams explicit_tau = p;
    explicit_tau.ssa_q.tau = fitted_list(ListParam::TauQ, s, p);
    explicit_tau.ssa_v.tau = fitted_list(ListParam::TauV, s, p);
    const AttentionInput<double> in{s.tokens->q, s.tokens->k, s.tokens->v, s.causal};
    const auto a = reference::attend<double>(VariantKind::Ssa, in, p);
    const auto b = reference::attend<double>(VariantKind::Ssa, in, explicit_tau);
    // Same formula, evaluated in a different order: a few ulps of the logits, amplified by at most |logit| ~ 10.
    EXPECT_LT((a.weights - b.weights).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((a.output - b.output).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ParamLists, FitPadsWithNeutralEntries) {
    const Scene s = make_preset_scene("random", 1, 4);
    VariantParams p;
    p.ssa_q.tau = std::vector<double>{2.0, 3.0};
    p.ssa_q.tok = std::vector<double>{0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    EXPECT_EQ(fitted_list(ListParam::TauQ, s, p), (std::vector<double>{2.0, 3.0, 1.0, 1.0}));
    EXPECT_EQ(fitted_list(ListParam::TokQ, s, p), (std::vector<double>{0.5, 0.5, 0.5, 0.5}));
    // sel_Q starts as a copy of Q (the default head), so switching it on changes nothing until edited.
    const std::vector<double> sel = fitted_list(ListParam::SelQ, s, p);
    const MatD& q = s.tokens->q;
    EXPECT_EQ(sel, std::vector<double>(q.data(), q.data() + q.size()));
}

// The edit the popup emits: a SetColumn through SceneHistory, undone by one undo step.
TEST(ParamLists, TypedListIsOneUndoableEdit) {
    Scene s = make_preset_scene("random", 2, 3);
    SceneColumn ssa;
    ssa.kind = VariantKind::Ssa;
    apply_edit(s, {edit::AddColumn{-1, ssa}, 0, ""});
    const SceneColumn& col = s.columns.back();
    SceneHistory h;

    const ListEdit bad = edit_list_from_text(s, col, ListParam::TauQ, "1, two, 3");
    EXPECT_FALSE(bad.column);
    EXPECT_EQ(bad.bad_entry, 1);
    EXPECT_NE(bad.error.find("entry 2"), std::string::npos) << bad.error;

    // The popup applies the typed text when the field is left: one SetColumn with a fresh gesture id.
    const ListEdit typed = edit_list_from_text(s, s.columns.back(), ListParam::TauQ, "2, 1, 0.5");
    ASSERT_TRUE(typed.column) << typed.error;
    h.apply(s, {edit::SetColumn{*typed.column}, new_gesture_id(), "Change ssa parameters"});
    ASSERT_TRUE(s.columns.back().params.ssa_q.tau);
    EXPECT_EQ(*s.columns.back().params.ssa_q.tau, (std::vector<double>{2.0, 1.0, 0.5}));
    EXPECT_EQ(h.undo_steps(), 1u);
    // And the result reaches the maths: the explicit tau is what the reference echoes as extras.tau_q.
    const AttentionInput<double> in{s.tokens->q, s.tokens->k, s.tokens->v, s.causal};
    const auto r = reference::attend<double>(VariantKind::Ssa, in, s.columns.back().params);
    ASSERT_EQ(r.extras.tau_q.size(), 3u);
    EXPECT_EQ(r.extras.tau_q[2], 0.5);

    ASSERT_TRUE(h.undo(s));
    EXPECT_FALSE(s.columns.back().params.ssa_q.tau.has_value());
    ASSERT_TRUE(h.redo(s));
    EXPECT_EQ(*s.columns.back().params.ssa_q.tau, (std::vector<double>{2.0, 1.0, 0.5}));

    // Clearing is an edit too.
    const ListShape shape = list_shape(ListParam::TauQ, s, s.columns.back().params);
    h.apply(s, {edit::SetColumn{with_list(s.columns.back(), ListParam::TauQ, std::nullopt, shape)}, new_gesture_id(),
                "Change ssa parameters"});
    EXPECT_FALSE(s.columns.back().params.ssa_q.tau.has_value());
    ASSERT_TRUE(h.undo(s));
    EXPECT_TRUE(s.columns.back().params.ssa_q.tau.has_value());
}

TEST(ParamLists, SelectionHeadMatrixEdit) {
    Scene s = make_preset_scene("random", 2, 2);
    SceneColumn sel;
    sel.kind = VariantKind::Selective;
    apply_edit(s, {edit::AddColumn{-1, sel}, 0, ""});
    ASSERT_EQ(s.d(), 4);
    const ListEdit e = edit_list_from_text(s, s.columns.back(), ListParam::SelK, "1, 2, 3, 4\n5, 6, 7, 8");
    ASSERT_TRUE(e.column) << e.error;
    ASSERT_TRUE(e.column->params.sel_k);
    MatD expected(2, 4);
    expected << 1, 2, 3, 4, 5, 6, 7, 8;
    EXPECT_EQ(*e.column->params.sel_k, expected);  // row-major, as written
    const ListEdit wide = edit_list_from_text(s, s.columns.back(), ListParam::SelK, "1, 2, 3; 4, 5, 6");
    EXPECT_FALSE(wide.column);
    EXPECT_NE(wide.error.find("row 1 has 3 numbers, but needs 4"), std::string::npos) << wide.error;
}

}  // namespace
}  // namespace attnscope::gui
