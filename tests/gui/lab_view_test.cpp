// The lab's views driven without a window: drags, clicks, zoom, shortcuts, undo, what gets recomputed and
// re-uploaded, and opening a corrupt scene. Expected values come from the scene and the layout, never from the
// views' own earlier output.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/gui/grid_layout.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/scene_io.hpp"
#include "lab_fixture.hpp"

namespace attnscope::gui {
namespace {

using testing::LabFixture;

std::vector<std::string> map_panels(const Lab& lab) {
    std::vector<std::string> out;
    for (const PanelRecord& p : const_cast<Lab&>(lab).layout().panels())
        if (p.map) out.push_back(p.name);
    return out;
}

TEST(LabViews, DefaultSceneShowsSixColumnsWithImagesAndStrips) {
    LabFixture f(make_default_scene());
    f.frames(4);
    const Lab& lab = *f.lab;
    ASSERT_NE(lab.results(), nullptr);
    EXPECT_TRUE(lab.settled());
    const std::vector<std::string> maps = map_panels(lab);
    ASSERT_EQ(maps.size(), 6u);
    for (const char* name : {"dpa.map", "ssa.map", "selective.map", "lssar.map", "ea.map", "va_aware.map"})
        EXPECT_NE(std::find(maps.begin(), maps.end(), name), maps.end()) << name;
    for (const SceneColumn& c : lab.scene().columns) {
        const ColumnSlot* slot = lab.results()->column(c.id);
        ASSERT_TRUE(slot && slot->compute && slot->image) << variant_name(c.kind);
        EXPECT_TRUE(slot->compute->error.empty()) << slot->compute->error;
        EXPECT_EQ(slot->compute->result.metrics.size(), static_cast<std::size_t>(lab.scene().n()));
        EXPECT_TRUE(slot->implied) << "implied temperature pass (sync mode finishes it)";
        EXPECT_EQ(f.textures.key(column_slot(c.id)), slot->image->key);  // uploaded
        const PanelRecord* map = f.lab->layout().find(column_slug(lab.scene(), c) + ".map");
        ASSERT_TRUE(map && map->map);
        EXPECT_TRUE(map->map->exact);  // n = 24 fits the panel: one texel per cell
        EXPECT_EQ(map->map->rows, 24);
    }
    // Six maps side by side in a 1600 x 900 window: two rows of three, all the same size.
    const PanelRecord* a = f.lab->layout().find("dpa.map");
    const PanelRecord* b = f.lab->layout().find("ssa.map");
    const PanelRecord* d = f.lab->layout().find("lssar.map");
    EXPECT_FLOAT_EQ(a->rect.y, b->rect.y);
    EXPECT_GT(b->rect.x, a->rect.x);
    EXPECT_FLOAT_EQ(a->rect.x, d->rect.x);
    EXPECT_GT(d->rect.y, a->rect.y);
    EXPECT_FLOAT_EQ(a->rect.z, d->rect.z);
}

TEST(LabViews, DraggingAKeyOnTheCanvasMovesItAndEveryColumnFollows) {
    LabFixture f(make_preset_scene("parallel"));  // d = 2: the canvas is exact
    f.frames(3);
    const PanelRecord* canvas = f.lab->layout().find("canvas");
    ASSERT_TRUE(canvas && canvas->extra.contains("origin"));
    const float ox = canvas->extra["origin"][0], oy = canvas->extra["origin"][1],
                ppu = canvas->extra["pixels_per_unit"];
    const Scene& s = f.lab->scene();
    const MatD k0 = s.tokens->k;
    const int key = 5;  // an antiparallel key
    const ImVec2 at(ox + static_cast<float>(k0(key, 0)) * ppu, oy - static_cast<float>(k0(key, 1)) * ppu);
    const auto first_result = f.lab->results()->data_revision;
    f.mouse(at, false);
    f.frame();
    f.mouse(at, true);
    f.frame();
    for (int step = 1; step <= 4; ++step) {
        f.mouse(ImVec2(at.x + 10.0f * step, at.y - 5.0f * step), true);
        f.frame();
    }
    f.mouse(ImVec2(at.x + 40.0f, at.y - 20.0f), false);
    f.frames(2);
    const MatD& k1 = f.lab->scene().tokens->k;
    EXPECT_NEAR(k1(key, 0), k0(key, 0) + 40.0 / ppu, 1e-6);
    EXPECT_NEAR(k1(key, 1), k0(key, 1) + 20.0 / ppu, 1e-6);
    for (int j = 0; j < s.n(); ++j)
        if (j != key) {
            EXPECT_EQ(k1.row(j), k0.row(j)) << j;
        }
    EXPECT_EQ(f.lab->scene().tokens->q, f.lab->scene().tokens->q);
    // Every column recomputed from the moved key.
    EXPECT_GT(f.lab->results()->data_revision, first_result);
    EXPECT_EQ(f.lab->results()->data_revision, f.lab->scene().data_revision);
    // The whole drag is one undo step.
    EXPECT_EQ(f.lab->history().undo_steps(), 1u);
    f.key(keys::kZ, true);
    EXPECT_EQ(f.lab->scene().tokens->k, k0);
    f.key(keys::kZ, true, true);
    EXPECT_NEAR(f.lab->scene().tokens->k(key, 0), k0(key, 0) + 40.0 / ppu, 1e-6);
}

TEST(LabViews, ClickingAMapRowLocksThatQueryAndClickingAgainUnlocks) {
    LabFixture f(make_default_scene());
    f.frames(3);
    f.click(f.cell("dpa.map", 7, 3));
    EXPECT_EQ(f.lab->scene().view.locked_query, 7);
    f.click(f.cell("ea.map", 7, 1));  // the same row in another column
    EXPECT_EQ(f.lab->scene().view.locked_query, -1);
    f.click(f.cell("ea.map", 11, 1));
    EXPECT_EQ(f.lab->scene().view.locked_query, 11);
    f.key(keys::kEscape);
    EXPECT_EQ(f.lab->scene().view.locked_query, -1);
}

TEST(LabViews, WheelZoomsEveryMapToTheSameCellsAndCtrl0Resets) {
    LabFixture f(make_preset_scene("dilution", 1, 64));
    f.frames(3);
    f.mouse(f.cell("dpa.map", 40, 20), false);
    ImGui::GetIO().MouseWheel = 3.0f;
    f.frame();
    f.frames(2);
    const MapViewport v = f.lab->ui().viewport.resolved(64);
    EXPECT_LT(v.rows, 64);
    EXPECT_GE(v.rows, 4);
    EXPECT_LE(v.row0, 40);
    EXPECT_GT(v.row0 + v.rows, 40);
    for (const std::string& m : map_panels(*f.lab)) {
        const MapGeometry& g = *f.lab->layout().find(m)->map;
        EXPECT_EQ(g.row0, v.row0) << m;
        EXPECT_EQ(g.rows, v.rows) << m;
        EXPECT_TRUE(g.exact) << m;  // zoomed images are rebuilt for the viewport, one texel per cell
    }
    f.key(keys::k0, true);
    f.frames(2);
    EXPECT_TRUE(f.lab->ui().viewport.is_whole(64));
}

TEST(LabViews, ChangingOneColumnRecomputesAndReuploadsOnlyThatColumn) {
    LabFixture f(make_default_scene());
    f.frames(4);
    const ResultSet* before = f.lab->results();
    ASSERT_NE(before, nullptr);
    std::map<int, std::uint64_t> keys_before, compute_before;
    for (const SceneColumn& c : f.lab->scene().columns) {
        keys_before[c.id] = f.textures.key(column_slot(c.id));
        compute_before[c.id] = before->column(c.id)->compute->key;
    }
    const int uploads = f.textures.uploads();
    SceneColumn ea = *std::find_if(f.lab->scene().columns.begin(), f.lab->scene().columns.end(),
                                   [](const SceneColumn& c) { return c.kind == VariantKind::Ea; });
    ea.params.form = EaForm::Plain;
    f.lab->inject({edit::SetColumn{ea}, 0, ""});
    f.frames(3);
    EXPECT_EQ(f.textures.uploads(), uploads + 1);
    for (const SceneColumn& c : f.lab->scene().columns) {
        const bool changed = c.id == ea.id;
        EXPECT_EQ(f.textures.key(column_slot(c.id)) != keys_before[c.id], changed) << variant_name(c.kind);
        EXPECT_EQ(f.lab->results()->column(c.id)->compute->key != compute_before[c.id], changed)
            << variant_name(c.kind);
    }
}

TEST(LabViews, F12AndMenuRequestsReachTheShell) {
    LabFixture f(make_default_scene());
    f.frames(2);
    EXPECT_FALSE(f.lab->take_screenshot_request());
    f.key(keys::kF12);
    EXPECT_TRUE(f.lab->take_screenshot_request());
    EXPECT_FALSE(f.lab->take_screenshot_request());
    f.key(keys::kQ, true);
    EXPECT_TRUE(f.lab->wants_quit());
}

// More rows than pixels: each strip is one texture (not a rectangle per pixel row), uploaded again only when a bar
// changes. Moving the first key changes the first rows' entropy (H, strip 2), so that strip's texels change; a
// frame with no edit uploads nothing.
TEST(LabViews, LongScenesDrawStripsAsTexturesThatFollowTheResults) {
    Scene s = make_preset_scene("dilution", 1, 16);
    s.columns.resize(2);
    LabFixture f(std::move(s), ImVec2(1600, 900), /*implied=*/false);
    f.lab->inject({edit::SetLength{1024}, 0, ""});
    f.frames(4);
    const int id = f.lab->scene().columns[0].id;
    const std::string h_strip = "strip:" + std::to_string(id) + ":2";
    const std::uint64_t before = f.textures.key(h_strip);
    ASSERT_NE(before, 0u) << "no strip texture at n = 1024";
    const int uploads = f.textures.uploads();
    f.frames(2);
    EXPECT_EQ(f.textures.uploads(), uploads);  // nothing changed, nothing uploaded
    std::vector<double> k0(f.lab->scene().tokens->k.row(0).data(),
                           f.lab->scene().tokens->k.row(0).data() + f.lab->scene().d());
    for (double& x : k0) x = -4.0 * x + 3.0;
    f.lab->inject({edit::SetRow{TokenField::K, 0, k0}, 0, ""});
    f.frames(4);
    EXPECT_NE(f.textures.key(h_strip), before);
}

TEST(LabViews, LongScenesUseMaxPooledMapsAndZoomingFetchesExactCells) {
    Scene s = make_preset_scene("dilution", 1, 16);
    s.columns.resize(2);  // dpa and ssa: cheap at n = 2500
    LabFixture f(std::move(s), ImVec2(1600, 900), /*implied=*/false);
    f.frames(2);
    f.lab->inject({edit::SetLength{2500}, 0, ""});
    f.frames(3);
    const ColumnSlot* slot = f.lab->results()->column(f.lab->scene().columns[0].id);
    ASSERT_TRUE(slot && slot->compute && slot->image);
    EXPECT_FALSE(slot->compute->has_full_weights());  // the backend's display map, not 25 MB of weights
    EXPECT_GT(slot->compute->display_map.rows(), 0);
    EXPECT_FALSE(slot->image->exact);
    EXPECT_LE(slot->image->width, 1600);
    // A single spike survives the pooling: the one-hot first row's weight 1 is the image's brightest texel.
    const Rgb8 top = colormap_rgb(Colormap::Viridis, 1.0f);
    EXPECT_EQ(slot->image->rgba[0], pack_rgba(top));
    // Zoom far in: exact cells again, from full weights.
    f.mouse(f.cell("dpa.map", 1200, 800), false);
    for (int i = 0; i < 6; ++i) {
        ImGui::GetIO().MouseWheel = 5.0f;
        f.frame();
    }
    f.frames(3);
    const ColumnSlot* zoomed = f.lab->results()->column(f.lab->scene().columns[0].id);
    EXPECT_TRUE(zoomed->compute->has_full_weights());
    EXPECT_TRUE(zoomed->image->exact);
}

TEST(LabViews, ACorruptSceneFileLeavesTheCurrentSceneIntact) {
    LabFixture f(make_default_scene());
    f.frames(2);
    const std::string path =
        (std::filesystem::temp_directory_path() / ("attnscope_corrupt_" + std::to_string(::getpid()) + ".json"))
            .string();
    std::ofstream(path) << "{\"format\": \"attnscope-scene\", \"version\": 1, \"Q\": [[1, 2], [3]], ";
    const auto tokens = f.lab->scene().tokens;
    const auto revision = f.lab->scene().revision;
    const std::string name = f.lab->scene().name;
    EXPECT_FALSE(f.lab->open_scene(path));
    EXPECT_EQ(f.lab->scene().tokens, tokens);
    EXPECT_EQ(f.lab->scene().revision, revision);
    EXPECT_EQ(f.lab->scene().name, name);
    EXPECT_FALSE(f.lab->ui().error_title.empty());
    EXPECT_NE(f.lab->ui().error_text.find(path), std::string::npos) << f.lab->ui().error_text;
    f.frames(2);  // the modal draws
    // A good file replaces the scene, undoably.
    save_scene_file(make_preset_scene("parallel"), path);
    EXPECT_TRUE(f.lab->open_scene(path));
    EXPECT_EQ(f.lab->scene().name, make_preset_scene("parallel").name);
    f.key(keys::kZ, true);
    EXPECT_EQ(f.lab->scene().tokens, tokens);
    std::filesystem::remove(path);
}

TEST(LabViews, ParameterPopupEditsAreOneUndoStepPerWidget) {
    LabFixture f(make_default_scene());
    f.frames(2);
    SceneColumn dpa = f.lab->scene().columns[0];
    dpa.params.scale = 0.5;
    f.lab->inject({edit::SetColumn{dpa}, 7, ""});
    dpa.params.scale = 0.75;
    f.lab->inject({edit::SetColumn{dpa}, 7, ""});
    f.frames(2);
    EXPECT_EQ(f.lab->history().undo_steps(), 1u);
    EXPECT_EQ(f.lab->scene().columns[0].params.scale, 0.75);
    f.key(keys::kZ, true);
    EXPECT_FALSE(f.lab->scene().columns[0].params.scale.has_value());
}

// -------------------------------------------------------------------------------------------------------------------
// Pure layout arithmetic and settings.
// -------------------------------------------------------------------------------------------------------------------

TEST(GridLayout, SixColumnsInAWideWindowMakeTwoRowsOfThree) {
    GridMetrics m;
    const GridFit f = fit_grid(1227, 788, 6, m);
    EXPECT_EQ(f.per_row, 3);
    EXPECT_EQ(f.rows, 2);
    EXPECT_FALSE(f.scrolls);
    // Cross-check: neither 2 nor 6 per row would give larger maps.
    for (int k : {1, 2, 4, 6}) EXPECT_LE(fit_grid(1227, 788, 6, m, k).map_side, f.map_side) << k;
    EXPECT_EQ(fit_grid(3000, 400, 6, m).per_row, 6);  // a very wide, short window: one row
    EXPECT_EQ(fit_grid(500, 3000, 6, m).per_row, 1);  // a tall one: one column
    const GridFit tiny = fit_grid(200, 150, 6, m);
    EXPECT_TRUE(tiny.scrolls);
    EXPECT_EQ(tiny.map_side, m.min_map);
    EXPECT_EQ(fit_grid(1227, 788, 6, m, 2).per_row, 2);
}

TEST(Settings, RoundTripKeepsUnknownKeysAndRejectsNonsenseLeniently) {
    LabSettings s;
    s.ui_scale = 1.5f;
    s.light_theme = true;
    s.window_w = 1280;
    s.strips[2] = false;
    s.extra["plugin"] = {{"x", 1}};
    const LabSettings back = settings_from_json(settings_to_json(s));
    EXPECT_EQ(back.ui_scale, 1.5f);
    EXPECT_TRUE(back.light_theme);
    EXPECT_EQ(back.window_w, 1280);
    EXPECT_FALSE(back.strips[2]);
    EXPECT_EQ(back.extra["plugin"]["x"], 1);
    nlohmann::json bad = settings_to_json(s);
    bad["ui_scale"] = "huge";
    bad["window"]["w"] = 5;
    const LabSettings lenient = settings_from_json(bad);
    EXPECT_EQ(lenient.ui_scale, 0.0f);
    EXPECT_EQ(lenient.window_w, 1600);
    std::string problem;
    const std::string path = (std::filesystem::temp_directory_path() / "attnscope_settings_bad.json").string();
    std::ofstream(path) << "{not json";
    load_settings(path, &problem);
    EXPECT_NE(problem.find(path), std::string::npos);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace attnscope::gui
