// params_json_test.cpp — case files and scene files read variant parameters through one reader
// (core/formats/params_json.hpp): the same spellings are accepted with the same meaning, and the same mistakes are
// refused with the same message (only the JSON path differs: "params.r" vs "columns[0].params.r").
#include "core/formats/params_json.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/formats/case_io.hpp"
#include "core/scene_io.hpp"

namespace attnscope {
namespace {

using nlohmann::json;

json a_case(const std::string& variant, const json& params) {
    return json{{"variant", variant},
                {"Q", {{0.5, -1.0}, {1.5, 0.25}, {-0.75, 2.0}}},
                {"K", {{1.0, 0.5}, {-0.5, 1.0}, {0.25, -1.25}}},
                {"V", {{1.0, 2.0}, {3.0, -1.0}, {0.0, 0.5}}},
                {"params", params}};
}

json a_scene(const std::string& variant, const json& params) {
    json s = a_case(variant, params);
    s.erase("variant");
    s.erase("params");
    s["format"] = "attnscope-scene";
    s["version"] = 1;
    s["columns"] = {{{"variant", variant}, {"params", params}}};
    return s;
}

InputErrorInfo case_error(const json& c) {
    try {
        (void)parse_case(c, std::nullopt);
    } catch (const InputError& e) {
        return e.info();
    }
    ADD_FAILURE() << "the case was accepted: " << c.dump();
    return {};
}

InputErrorInfo scene_error(const json& s) {
    try {
        (void)scene_from_json(s);
    } catch (const InputError& e) {
        return e.info();
    }
    ADD_FAILURE() << "the scene was accepted: " << s.dump();
    return {};
}

struct Bad {
    std::string variant;
    json params;
    std::string field;  // after "params." / "columns[0].params."
    std::string what;   // the exact words of the message
};

TEST(ParamsJson, CaseAndSceneRefuseTheSameMistakesWithTheSameMessage) {
    const std::vector<Bad> bad = {
        {"dpa", {{"scale", "big"}}, "scale", "expected a number, got a string"},
        {"va_oblivious", {{"r", 0}}, "r", "is 0, outside the allowed range"},
        {"va_oblivious", {{"r", 2.5}}, "r", "is 2.5, not an integer"},
        {"va_aware", {{"r", 99999999999LL}}, "r", "is 99999999999, outside the allowed range"},
        {"selective", {{"budget", -3}}, "budget", "is -3, outside the allowed range"},
        {"selective", {{"protect_bos", 1}}, "protect_bos", "expected true or false, got a number"},
        {"ssa", {{"tau_q", {1.0, "x", 1.0}}}, "tau_q[1]", "expected a number, got a string"},
        {"ssa", {{"w_tok_v", 0.5}}, "w_tok_v", "expected a list of numbers, got a number"},
        {"selective", {{"sel_Q", {{"a", 2.0}, {1.0, 2.0}, {1.0, 2.0}}}}, "sel_Q[0][0]", "expected a number, got a string"},
        {"selective", {{"sel_K", {{1.0}, {2.0, 3.0}, {1.0}}}}, "sel_K[1]", "has 2 numbers, but params.sel_K[0] has 1"},
        {"va_exact", {{"kernel", "gauss"}}, "kernel", "is \"gauss\", which is not known"},
        {"ea", {{"form", 3}}, "form", "expected a string, got a number"},
        {"lssar", {{"offset_free_rows", -1}}, "offset_free_rows", "is -1, outside the allowed range"},
        {"dpa", {{"metrics_k", 0}}, "metrics_k", "is 0, outside the allowed range"},
        {"lssa", {{"eps", nullptr}}, "eps", "expected a number, got null"},
    };
    for (const Bad& b : bad) {
        SCOPED_TRACE(b.params.dump());
        const InputErrorInfo c = case_error(a_case(b.variant, b.params));
        const InputErrorInfo s = scene_error(a_scene(b.variant, b.params));
        EXPECT_EQ(c.field, "params." + b.field);
        EXPECT_EQ(s.field, "columns[0].params." + b.field);
        EXPECT_EQ(c.what, b.what);
        // A message may quote its own path ("but params.sel_K[0] has 1"): compare with the paths made equal.
        auto as_case = [](std::string t) {
            for (std::size_t at; (at = t.find("columns[0].params.")) != std::string::npos;) t.replace(at, 18, "params.");
            return t;
        };
        EXPECT_EQ(as_case(s.what), c.what);
        EXPECT_EQ(as_case(s.hint), c.hint);
        EXPECT_FALSE(c.hint.empty());
    }
}

TEST(ParamsJson, CountHintsSayWhatTheParameterIs) {
    const InputErrorInfo e = case_error(a_case("selective", {{"budget", 0}}));
    EXPECT_NE(e.hint.find("null for no budget"), std::string::npos) << e.hint;
}

TEST(ParamsJson, BothFilesAcceptTheSameSpellings) {
    // null = not given; 2.0 is the integer 2; every SSA side name; the selective head as rows.
    const std::vector<std::pair<std::string, json>> good = {
        {"va_aware", {{"r", 3.0}, {"solver", "greedy"}, {"max_subsets", 1000}, {"scale", nullptr}}},
        {"selective", {{"budget", nullptr}, {"prune_threshold", 0.5}, {"sel_K", {{1, 0}, {0, 1}, {1, 1}}}}},
        {"ssa",
         {{"tau_q", {1, 2, 3}}, {"beta_v", 2.0}, {"w_tok_v", {0.5, -0.5}}, {"b_tok_v", 0.1}, {"pos_coef_q", nullptr}}},
        {"lssar", {{"p", 3}, {"offset", -0.5}, {"offset_free_rows", 0}, {"log_d", nullptr}}},
    };
    for (const auto& [variant, params] : good) {
        SCOPED_TRACE(params.dump());
        const AttentionCase c = parse_case(a_case(variant, params), std::nullopt);
        const Scene s = scene_from_json(a_scene(variant, params));
        ASSERT_EQ(s.columns.size(), 1u);
        const VariantKind kind = *parse_variant(variant);
        EXPECT_EQ(params_to_json(kind, c.params), params_to_json(kind, s.columns[0].params));
        EXPECT_TRUE(s.columns[0].extra_params.empty());
    }
    // Spot checks against the file's numbers, not against the reader's own output.
    const AttentionCase c = parse_case(a_case("ssa", good[2].second), std::nullopt);
    ASSERT_TRUE(c.params.ssa_q.tau);
    EXPECT_EQ(*c.params.ssa_q.tau, (std::vector<double>{1, 2, 3}));
    EXPECT_EQ(c.params.ssa_v.beta, 2.0);
    EXPECT_FALSE(c.params.ssa_q.pos_coef.has_value());
    const Scene s = scene_from_json(a_scene("va_aware", good[0].second));
    EXPECT_EQ(s.columns[0].params.r, 3);
    EXPECT_EQ(s.columns[0].params.solver, Solver::Greedy);
}

TEST(ParamsJson, UnknownNamesAreRefusedByCasesAndKeptByScenes) {
    const json params = {{"tua_q", {1, 1, 1}}};
    const InputErrorInfo e = case_error(a_case("ssa", params));
    EXPECT_EQ(e.field, "params.tua_q");
    EXPECT_NE(e.hint.find("did you mean \"tau_q\""), std::string::npos) << e.hint;
    const Scene s = scene_from_json(a_scene("ssa", params));  // a newer version's parameter survives a save
    EXPECT_EQ(s.columns[0].extra_params, params);
    EXPECT_EQ(scene_to_json(s)["columns"][0]["params"]["tua_q"], params["tua_q"]);
}

TEST(ParamsJson, NameTable) {
    EXPECT_EQ(variant_param_names().size(), 2u + 14u + 21u);  // scale, value_temp; 7 per SSA side; the rest
    EXPECT_TRUE(variant_uses_param(VariantKind::Ssa, "w_tok_v"));
    EXPECT_FALSE(variant_uses_param(VariantKind::Dpa, "r"));
    EXPECT_TRUE(variant_uses_param(VariantKind::Ea, "metrics_k"));
    EXPECT_FALSE(variant_uses_param(VariantKind::Lssa, "scale"));
    EXPECT_EQ(closest_variant_param("prune_treshold"), "prune_threshold");
    EXPECT_EQ(closest_variant_param("completely_unrelated"), "");
}

}  // namespace
}  // namespace attnscope
