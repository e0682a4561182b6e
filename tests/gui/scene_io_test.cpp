// Scene files: exact round trips, unknown fields kept, and bad files rejected with a message that names the file
// and the field, leaving the caller's scene and the file on disk untouched.
#include "core/scene_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "core/scene_edit.hpp"
#include "core/scene_presets.hpp"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SceneFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("attnscope_scene_io_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(m_dir, fs::perms::owner_all, ec);
        fs::remove_all(m_dir, ec);
    }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(path(name)) << text; }
    static std::string read(const std::string& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    fs::path m_dir;
};

void expect_same_scene(const Scene& a, const Scene& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.causal, b.causal);
    EXPECT_EQ(a.tokens->q, b.tokens->q);  // exact: JSON doubles are written with round-trip precision
    EXPECT_EQ(a.tokens->k, b.tokens->k);
    EXPECT_EQ(a.tokens->v, b.tokens->v);
    EXPECT_EQ(a.tokens->labels, b.tokens->labels);
    ASSERT_EQ(a.columns.size(), b.columns.size());
    for (std::size_t i = 0; i < a.columns.size(); ++i) {
        EXPECT_EQ(a.columns[i].kind, b.columns[i].kind);
        EXPECT_EQ(a.columns[i].scale, b.columns[i].scale);
        EXPECT_EQ(params_to_json(a.columns[i].kind, a.columns[i].params, a.columns[i].extra_params),
                  params_to_json(b.columns[i].kind, b.columns[i].params, b.columns[i].extra_params));
    }
}

TEST_F(SceneFiles, GeneratedSceneRoundTripsAsGeneratorAndLength) {
    const Scene s = make_preset_scene("superseded", 3, 40);
    const json j = scene_to_json(s);
    EXPECT_FALSE(j.contains("Q"));  // regenerated on load instead
    EXPECT_EQ(j["length"], 40);
    expect_same_scene(s, scene_from_json(j));
}

TEST_F(SceneFiles, EditedSceneRoundTripsExactlyThroughAFile) {
    Scene s = make_preset_scene("random", 2, 9);
    apply_edit(s, {edit::SetRow{TokenField::Q, 3, {0.1, -1.0 / 3.0, 1e-300, 12345.678901234567}}, 0, ""});
    apply_edit(s, {edit::SetLabel{0, "BOS \"quoted\" ünïcode"}, 0, ""});
    apply_edit(s, {edit::SetCausal{false}, 0, ""});
    SceneColumn c;
    c.kind = VariantKind::Ssa;
    c.params.scale = 0.7;
    c.params.ssa_q.beta = 2.0;
    c.params.ssa_v.tau = std::vector<double>(9, 1.5);
    c.params.value_temp = true;
    c.scale = MapScale::Log;
    c.label = "my SSA";
    apply_edit(s, {edit::AddColumn{-1, c}, 0, ""});
    SceneColumn sel;
    sel.kind = VariantKind::Selective;
    sel.params.budget = 5;
    sel.params.prune_threshold = 0.25;
    sel.params.protect_bos = false;
    apply_edit(s, {edit::AddColumn{-1, sel}, 0, ""});
    s.view.locked_query = 4;
    s.view.colormap = "cividis";
    s.view.baseline_column = s.columns[1].id;
    s.view.projection = ProjectionKind::Principal;
    save_scene_file(s, path("a.json"));
    const Scene back = load_scene_file(path("a.json"));
    expect_same_scene(s, back);
    EXPECT_EQ(back.columns.back().params.budget, 5);
    EXPECT_EQ(back.columns[back.columns.size() - 2].label, "my SSA");
    EXPECT_EQ(back.view.locked_query, 4);
    EXPECT_EQ(back.view.colormap, "cividis");
    EXPECT_EQ(back.view.projection, ProjectionKind::Principal);
    EXPECT_EQ(back.column_index(back.view.baseline_column), 1);
}

TEST_F(SceneFiles, UnknownFieldsSurviveALoadAndSave) {
    json j = scene_to_json(make_preset_scene("parallel"));
    j["lesson"] = {{"title", "Week 3"}, {"hidden", {"table"}}};
    j["columns"][0]["note"] = "look here";
    j["columns"][0]["params"]["future_param"] = 3;
    j["view"]["zoom"] = 2.5;
    const json back = scene_to_json(scene_from_json(j));
    EXPECT_EQ(back["lesson"], j["lesson"]);
    EXPECT_EQ(back["columns"][0]["note"], "look here");
    EXPECT_EQ(back["columns"][0]["params"]["future_param"], 3);
    EXPECT_EQ(back["view"]["zoom"], 2.5);
}

// Each bad file must give an InputError naming the file and the field; the message is what a user sees.
TEST_F(SceneFiles, BadFilesNameTheFileAndTheField) {
    const json good = scene_to_json(make_preset_scene("random", 1, 3));
    struct Case {
        std::string name, text, field;
    };
    json ragged = good;
    ragged["Q"] = {{1, 2, 3, 4}, {1, 2}, {1, 2, 3, 4}};
    ragged["K"] = ragged["Q"];
    ragged["V"] = ragged["Q"];
    json text_number = good;
    text_number["Q"] = {{1, 2, 3, 4}, {"x", 2, 3, 4}, {1, 2, 3, 4}};
    text_number["K"] = text_number["V"] = {{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}};
    json bad_variant = good;
    bad_variant["columns"][1]["variant"] = "softermax";
    json bad_param = good;
    bad_param["columns"][0]["params"] = {{"scale", "big"}};
    json newer = good;
    newer["version"] = 99;
    json wrong_format = good;
    wrong_format["format"] = "something-else";
    json too_long = good;
    too_long["length"] = 100000;
    const std::vector<Case> cases = {
        {"truncated.json", good.dump().substr(0, 60), "line 1"},
        {"ragged.json", ragged.dump(), "Q[1]"},
        {"text.json", text_number.dump(), "Q[1][0]"},
        {"variant.json", bad_variant.dump(), "columns[1].variant"},
        {"param.json", bad_param.dump(), "columns[0].params.scale"},
        {"newer.json", newer.dump(), "version"},
        {"format.json", wrong_format.dump(), "format"},
        {"too_long.json", too_long.dump(), "length"},
        {"array.json", "[1, 2]", ""},
        {"empty.json", "", "line"},
    };
    for (const Case& c : cases) {
        write(c.name, c.text);
        try {
            load_scene_file(path(c.name));
            ADD_FAILURE() << c.name << " loaded";
        } catch (const InputError& e) {
            EXPECT_EQ(e.info().file, path(c.name)) << c.name;
            EXPECT_NE(e.info().field.find(c.field), std::string::npos) << c.name << ": " << e.what();
            EXPECT_FALSE(e.info().hint.empty() && c.name != "empty.json") << c.name << ": " << e.what();
        }
    }
    EXPECT_THROW(load_scene_file(path("missing.json")), InputError);
}

TEST_F(SceneFiles, AFailedSaveLeavesTheOldFileIntact) {
    const Scene s = make_preset_scene("random", 1, 3);
    save_scene_file(s, path("keep.json"));
    const std::string before = read(path("keep.json"));
    fs::permissions(m_dir, fs::perms::owner_read | fs::perms::owner_exec);
    if (::geteuid() != 0) {  // root ignores permissions
        Scene other = make_preset_scene("needle");
        EXPECT_THROW(save_scene_file(other, path("keep.json")), InputError);
        EXPECT_EQ(read(path("keep.json")), before);
    }
    fs::permissions(m_dir, fs::perms::owner_all);
    EXPECT_THROW(save_scene_file(s, path("no/such/dir/x.json")), InputError);
    // Saving over an existing file replaces it and leaves no temporary behind.
    save_scene_file(make_preset_scene("needle"), path("keep.json"));
    EXPECT_EQ(load_scene_file(path("keep.json")).name, make_preset_scene("needle").name);
    int files = 0;
    for (const auto& e : fs::directory_iterator(m_dir)) files += e.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace attnscope
