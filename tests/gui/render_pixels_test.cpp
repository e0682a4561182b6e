// `attnscope render`, `export` and the no-display fallback, run as a user would (the built executable), with no
// display: EGL surfaceless on Mesa. Pixels are probed at cells whose weight is known from the maths (a causal first
// row is one-hot; a zero query gives the uniform row 1/(i+1)); the expected colours come from the colour-map table
// (core/colormap.hpp), not from the renderer. Bad input must exit 2 and leave existing files alone.
#include <gtest/gtest.h>
#include <stb_image.h>  // libstb ships the implementation
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/colormap.hpp"
#include "core/reference/attend.hpp"
#include "core/scene_io.hpp"
#include "core/scene_presets.hpp"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = ATTNSCOPE_BINARY_DIR "/app/attnscope";

// Masked cells: a base colour with diagonal hatch lines, per theme (app/gui/theme.cpp; written here again on purpose:
// a change there must be a deliberate change here). A probed pixel is one or the other (the hatch is not
// anti-aliased), and neither is on any colour map.
struct MaskColours {
    Rgb8 base, hatch;
};
constexpr MaskColours kDarkMask{{44, 44, 50}, {84, 84, 94}};
constexpr MaskColours kLightMask{{232, 232, 236}, {196, 196, 204}};

struct RunResult {
    int code = -1;
    std::string out, err;
};

class RenderTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("attnscope_render_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }

    // Runs the executable with no display (the CI situation), in the test's folder.
    RunResult run(const std::string& args) const {
        const std::string out = path("stdout.txt"), err = path("stderr.txt");
        const std::string cmd = "cd '" + m_dir.string() +
                                "' && env -u DISPLAY -u WAYLAND_DISPLAY ATTNSCOPE_CONFIG_DIR='" + path("config") +
                                "' '" + kExe + "' " + args + " > '" + out + "' 2> '" + err + "'";
        const int status = std::system(cmd.c_str());
        RunResult r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }
    static std::string slurp(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    fs::path m_dir;
};

struct Png {
    int w = 0, h = 0;
    std::vector<std::uint8_t> rgba;
    Rgb8 at(float x, float y) const {
        const int ix = static_cast<int>(x), iy = static_cast<int>(y);
        const std::uint8_t* p =
            &rgba[(static_cast<std::size_t>(iy) * static_cast<std::size_t>(w) + static_cast<std::size_t>(ix)) * 4];
        return {p[0], p[1], p[2]};
    }
};

Png load_png(const std::string& p) {
    Png png;
    int comp = 0;
    unsigned char* data = stbi_load(p.c_str(), &png.w, &png.h, &comp, 4);
    if (data) {
        png.rgba.assign(data, data + static_cast<std::size_t>(png.w) * static_cast<std::size_t>(png.h) * 4);
        stbi_image_free(data);
    }
    return png;
}

json load_json(const std::string& p) {
    std::ifstream in(p);
    return json::parse(in);
}

// Within `tol` levels per channel: the GL pipeline may round a level; fonts and Mesa versions do not touch cells.
::testing::AssertionResult near(Rgb8 got, Rgb8 want, int tol = 3) {
    if (std::abs(got.r - want.r) <= tol && std::abs(got.g - want.g) <= tol && std::abs(got.b - want.b) <= tol)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got (" << int(got.r) << "," << int(got.g) << "," << int(got.b)
                                         << "), want (" << int(want.r) << "," << int(want.g) << "," << int(want.b)
                                         << ")";
}

::testing::AssertionResult masked(Rgb8 got, const MaskColours& m) {
    if (near(got, m.base, 2) || near(got, m.hatch, 2)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "not the mask: " << near(got, m.base, 2).message();
}

const json& map_of(const json& layout, const std::string& name) {
    for (const json& p : layout["panels"])
        if (p["name"] == name) return p;
    static const json none;
    ADD_FAILURE() << "no panel " << name;
    return none;
}

// Pixel centre of cell (i, j) of a map panel.
std::pair<float, float> cell_px(const json& panel, int i, int j) {
    const json& m = panel["map"];
    return {m["x0"].get<float>() + (static_cast<float>(j - m["col0"].get<int>()) + 0.5f) * m["cell_w"].get<float>(),
            m["y0"].get<float>() + (static_cast<float>(i - m["row0"].get<int>()) + 0.5f) * m["cell_h"].get<float>()};
}

bool skip_without_gl(const RunResult& r) {
    // A machine without Mesa's EGL cannot render headless; the message must then name Xvfb (checked here too).
    if (r.code != 0 && r.err.find("Xvfb") != std::string::npos) return true;
    return false;
}

TEST_F(RenderTest, DefaultSceneOneHotRowsHitTheColourMapsEndAndMaskedCellsTheMaskColour) {
    const RunResult r = run("render --scene default --out lab.png --layout lab.json");
    if (skip_without_gl(r)) GTEST_SKIP() << "no headless GL here: " << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("lab.png"), std::string::npos);
    const Png png = load_png(path("lab.png"));
    ASSERT_EQ(png.w, 1600);
    ASSERT_EQ(png.h, 900);
    const json layout = load_json(path("lab.json"));
    const Rgb8 top = colormap_rgb(Colormap::Viridis, 1.0f);
    int maps = 0;
    for (const char* name : {"dpa.map", "ssa.map", "selective.map", "lssar.map", "ea.map", "va_aware.map"}) {
        const json& p = map_of(layout, name);
        ASSERT_TRUE(p.contains("map")) << name;
        ++maps;
        // Causal row 0 sees key 0 only: weight 1 in every variant.
        auto [x, y] = cell_px(p, 0, 0);
        EXPECT_TRUE(near(png.at(x, y), top)) << name << " cell (0,0)";
        // Keys after their query are masked.
        for (auto [i, j] : {std::pair{0, 1}, std::pair{3, 10}, std::pair{10, 23}}) {
            auto [mx, my] = cell_px(p, i, j);
            EXPECT_TRUE(masked(png.at(mx, my), kDarkMask)) << name << " masked cell (" << i << "," << j << ")";
        }
    }
    EXPECT_EQ(maps, 6);
}

// Every query zero: each variant's row i is uniform over keys 0..i (spec §0), so row 1 holds 0.5 and row 3 0.25.
Scene uniform_scene() {
    Scene s = make_preset_scene("random", 1, 6);
    SceneTokens t = *s.tokens;
    t.q.setZero();
    s.tokens = std::make_shared<const SceneTokens>(t);
    s.columns.clear();
    std::vector<SceneColumn> cols;
    for (VariantKind k : {VariantKind::Dpa, VariantKind::Ssa, VariantKind::Selective, VariantKind::Lssa,
                          VariantKind::Lssar, VariantKind::Ea}) {
        SceneColumn c;
        c.kind = k;
        cols.push_back(c);
    }
    assign_column_ids(s, cols);
    s.columns = cols;
    return s;
}

TEST_F(RenderTest, UniformRowsShowTheColourOfTheirWeightLinearAndLog) {
    Scene s = uniform_scene();
    // Independent check that the maths agrees with the premise of the test.
    const auto ref = reference::attend<double>(VariantKind::Lssar, {s.tokens->q, s.tokens->k, s.tokens->v, true}, {});
    ASSERT_NEAR(ref.weights(3, 2), 0.25, 1e-12);
    save_scene_file(s, path("uniform.json"));
    for (SceneColumn& c : s.columns) c.scale = MapScale::Log;
    save_scene_file(s, path("uniform_log.json"));

    for (bool log : {false, true}) {
        const RunResult r = run(std::string("render --scene ") + (log ? "uniform_log.json" : "uniform.json") +
                                " --out u.png --layout u.json");
        if (skip_without_gl(r)) GTEST_SKIP() << r.err;
        ASSERT_EQ(r.code, 0) << r.err;
        const Png png = load_png(path("u.png"));
        const json layout = load_json(path("u.json"));
        // Log scale: from the decade below a tenth of the uniform weight 1/n (n = 6: 0.1/6 -> 1e-2) up to 1.
        auto colour = [&](double w) {
            const double t = log ? (std::log10(w) + 2.0) / 2.0 : w;
            return colormap_rgb(Colormap::Viridis, static_cast<float>(t));
        };
        for (const char* name : {"dpa.map", "ssa.map", "selective.map", "lssa.map", "lssar.map", "ea.map"}) {
            const json& p = map_of(layout, name);
            for (auto [i, j, w] :
                 {std::tuple{1, 0, 0.5}, std::tuple{1, 1, 0.5}, std::tuple{3, 2, 0.25}, std::tuple{5, 5, 1.0 / 6}}) {
                auto [x, y] = cell_px(p, i, j);
                EXPECT_TRUE(near(png.at(x, y), colour(w)))
                    << name << (log ? " log" : " linear") << " cell (" << i << "," << j << ")";
            }
            auto [mx, my] = cell_px(p, 2, 4);
            EXPECT_TRUE(masked(png.at(mx, my), kDarkMask)) << name;
        }
    }
}

// Selective attention with a prune threshold: keys the reference says were pruned have the pruned colour.
TEST_F(RenderTest, PrunedKeysHaveThePrunedColour) {
    const Scene s = make_preset_scene("superseded", 1, 24);
    const SceneColumn& pruned_col = s.columns[2];
    ASSERT_EQ(pruned_col.kind, VariantKind::Selective);
    ASSERT_TRUE(pruned_col.params.prune_threshold.has_value());
    const auto ref = reference::attend<double>(VariantKind::Selective, {s.tokens->q, s.tokens->k, s.tokens->v, true},
                                               pruned_col.params);
    save_scene_file(s, path("sup.json"));
    const RunResult r = run("render --scene sup.json --out s.png --layout s.json");
    if (skip_without_gl(r)) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    const Png png = load_png(path("s.png"));
    const json layout = load_json(path("s.json"));
    const json& p = map_of(layout, "selective-2.map");
    constexpr Rgb8 kDarkPruned{150, 96, 90};  // app/gui/theme.cpp, dark theme
    int checked = 0;
    for (int i = 0; i < s.n(); ++i)
        for (int j = 0; j < i; ++j)
            if (ref.extras.pruned(i, j) != 0 && checked < 20) {
                auto [x, y] = cell_px(p, i, j);
                EXPECT_TRUE(near(png.at(x, y), kDarkPruned, 2)) << "pruned cell (" << i << "," << j << ")";
                ++checked;
            }
    EXPECT_GT(checked, 3);
}

TEST_F(RenderTest, LightThemeAndCividisForFigures) {
    const RunResult r = run("render --scene default --light --colormap cividis --out f.png --layout f.json");
    if (skip_without_gl(r)) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    const Png png = load_png(path("f.png"));
    const json layout = load_json(path("f.json"));
    const json& p = map_of(layout, "dpa.map");
    EXPECT_EQ(p["map"]["colormap"], "cividis");
    auto [x, y] = cell_px(p, 0, 0);
    EXPECT_TRUE(near(png.at(x, y), colormap_rgb(Colormap::Cividis, 1.0f)));
    auto [mx, my] = cell_px(p, 0, 5);
    EXPECT_TRUE(masked(png.at(mx, my), kLightMask));
    // A light theme is light: the window background corner.
    const Rgb8 corner = png.at(png.w - 5.0f, png.h / 2.0f);
    EXPECT_GT(corner.r + corner.g + corner.b, 3 * 200);
}

TEST_F(RenderTest, APanelAloneHasThePanelsSizeAndTheScreenshotIsNotBlank) {
    RunResult r = run("render --scene default --out full.png --layout full.json");
    if (skip_without_gl(r)) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    const json layout = load_json(path("full.json"));
    const json& dpa = map_of(layout, "dpa");
    r = run("render --scene default --panel dpa --out panel.png");
    ASSERT_EQ(r.code, 0) << r.err;
    const Png panel = load_png(path("panel.png"));
    EXPECT_EQ(panel.w, static_cast<int>(std::lround(dpa["rect"][2].get<double>())));
    EXPECT_EQ(panel.h, static_cast<int>(std::lround(dpa["rect"][3].get<double>())));
    // Not blank: many distinct colours (maps, text, strips).
    std::set<std::uint32_t> colours;
    const Png full = load_png(path("full.png"));
    for (std::size_t i = 0; i < full.rgba.size(); i += 4 * 97)
        colours.insert(static_cast<std::uint32_t>(full.rgba[i]) | full.rgba[i + 1] << 8 | full.rgba[i + 2] << 16);
    EXPECT_GT(colours.size(), 50u);
}

TEST_F(RenderTest, BadInputExitsTwoAndOverwritesNothing) {
    std::ofstream(path("keep.png")) << "precious";
    std::ofstream(path("corrupt.json")) << "{\"format\": \"attnscope-scene\", \"version\": 1, \"length\": ";
    struct Case {
        std::string args, needle;
    };
    const std::vector<Case> cases = {
        {"render --scene corrupt.json --out keep.png", "corrupt.json"},
        {"render --scene missing.json --out keep.png", "missing.json"},
        {"render --scene default --out keep.png --panel nope", "--panel"},
        {"render --scene default --out keep.png --size 10x10", "--size"},
        {"render --scene default --out keep.png --tab model_zoo", "--tab"},
        {"render --scene default --out no/such/dir/x.png", "--out"},
        {"export --scene corrupt.json --what weights --format csv --out keep.png", "corrupt.json"},
        {"export --scene default --what spectra --format csv --out keep.png", "--what"},
        {"export --scene default --what weights --format csv --column nope --out keep.png", "--column"},
        {"gui --scene corrupt.json", "corrupt.json"},
    };
    for (const Case& c : cases) {
        const RunResult r = run(c.args);
        if (c.needle == "--panel" && skip_without_gl(r)) continue;
        EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
        EXPECT_EQ(slurp(path("keep.png")), "precious") << c.args;
    }
}

TEST_F(RenderTest, WithNoDisplayThePlainCommandSaysSoAndRendersTheDefaultScene) {
    const RunResult r = run("");
    if (skip_without_gl(r)) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("no display"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Xvfb"), std::string::npos) << r.err;
    std::string printed = r.out.substr(0, r.out.find('\n'));
    ASSERT_TRUE(fs::exists(printed)) << r.out;
    const Png png = load_png(printed);
    EXPECT_EQ(png.w, 1600);
}

// The real window under Xvfb (when the machine has it): --screenshot saves what F12 saves; its cells have the
// colours the headless render's layout predicts, since both draw the same frame.
TEST_F(RenderTest, TheWindowUnderXvfbDrawsWhatRenderDraws) {
    if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0) GTEST_SKIP() << "xvfb-run is not installed";
    RunResult r = run("render --scene default --out r.png --layout r.json");
    if (skip_without_gl(r)) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string cmd = "cd '" + m_dir.string() + "' && ATTNSCOPE_CONFIG_DIR='" + path("config") +
                            "' timeout 120 xvfb-run -a -s '-screen 0 1600x900x24 -noreset' '" + kExe +
                            "' gui --fresh --screenshot window.png > out.txt 2> err.txt";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(path("err.txt"));
    const Png png = load_png(path("window.png"));
    ASSERT_EQ(png.w, 1600) << slurp(path("err.txt"));
    ASSERT_EQ(png.h, 900);
    const json layout = load_json(path("r.json"));
    for (const char* name : {"dpa.map", "lssar.map", "va_aware.map"}) {
        const json& p = map_of(layout, name);
        auto [x, y] = cell_px(p, 0, 0);
        EXPECT_TRUE(near(png.at(x, y), colormap_rgb(Colormap::Viridis, 1.0f))) << name;
        auto [mx, my] = cell_px(p, 2, 9);
        EXPECT_TRUE(masked(png.at(mx, my), kDarkMask)) << name;
    }
}

TEST_F(RenderTest, ExportedWeightsAndMetricsMatchTheDoubleReference) {
    const Scene s = make_default_scene();
    RunResult r = run("export --scene default --what weights --format csv --column dpa --column lssar --out w.csv");
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(path("w.csv"));
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(header.substr(0, 20), "column,query,label,k");
    const AttentionInput<double> input{s.tokens->q, s.tokens->k, s.tokens->v, s.causal};
    const auto dpa = reference::attend<double>(VariantKind::Dpa, input, {});
    const auto lssar = reference::attend<double>(VariantKind::Lssar, input, {});
    std::string line;
    int rows = 0;
    // Float results against the double reference: spec §8.1's f32 tolerance (atol 2e-4, rtol 2e-3).
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        std::string col, q, label, cell;
        std::getline(ss, col, ',');
        std::getline(ss, q, ',');
        std::getline(ss, label, ',');
        const int i = std::stoi(q);
        const auto& ref = col == "dpa" ? dpa : lssar;
        EXPECT_EQ(label, s.tokens->labels[static_cast<std::size_t>(i)]);
        for (int j = 0; std::getline(ss, cell, ','); ++j)
            EXPECT_NEAR(std::stod(cell), ref.weights(i, j), 2e-4 + 2e-3 * ref.weights(i, j))
                << col << " " << i << "," << j;
        ++rows;
    }
    EXPECT_EQ(rows, 2 * s.n());

    r = run("export --scene default --what weights --format npy --out w.npy");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string npy = slurp(path("w.npy"));
    ASSERT_GT(npy.size(), 128u);
    EXPECT_EQ(npy.substr(0, 6), "\x93NUMPY");
    const std::size_t header_len = static_cast<unsigned char>(npy[8]) | static_cast<unsigned char>(npy[9]) << 8;
    EXPECT_EQ((10 + header_len) % 64, 0u);
    const std::string dict = npy.substr(10, header_len);
    EXPECT_NE(dict.find("'descr': '<f4'"), std::string::npos) << dict;
    EXPECT_NE(dict.find("'shape': (6, 24, 24)"), std::string::npos) << dict;
    EXPECT_EQ(npy.size(), 10 + header_len + 6u * 24 * 24 * 4);
    float w00 = 0;  // first column (dpa), cell (1, 1)
    std::memcpy(&w00, npy.data() + 10 + header_len + (1 * 24 + 1) * 4, 4);
    EXPECT_NEAR(w00, dpa.weights(1, 1), 2e-4);

    r = run("export --scene default --what metrics --format csv --out m.csv");
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream min(path("m.csv"));
    std::getline(min, header);
    EXPECT_EQ(header,
              "column,variant,query,label,temperature,implied_temperature,implied_flag,entropy,entropy_normalised,"
              "effective_support,participation_ratio,spikiness,max_weight,topk_mass,gini,count_above,"
              "count_above_uniform,support_size");
    std::getline(min, line);  // dpa, query 0: one key, entropy 0, support 1
    EXPECT_EQ(line.substr(0, 19), "dpa,dpa,0,t0,1,,3,0");
}

}  // namespace
}  // namespace attnscope
