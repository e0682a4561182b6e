// train_length_view_test.cpp — the Train and Length tabs drawn through the window-less lab (ImGui, no GL): the panels
// they record, the probe map textures they upload, and the Train tab's shortcuts acting on the real sessions.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "app/gui/views/train_length_tabs.hpp"
#include "core/tasks/task.hpp"
#include "core/training/trainer.hpp"
#include "tests/model/checkpoint_fixtures.hpp"
#include "lab_fixture.hpp"

namespace attnscope::gui::test {
namespace {

namespace fs = std::filesystem;
using testing::LabFixture;

template <typename F>
bool wait_until(F pred, double seconds = 120) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool has_panel(LabFixture& f, const std::string& name) {
    const PanelRecord* p = f.lab->layout().find(name);
    return p && p->rect.z > 10 && p->rect.w > 10;
}

TEST(TrainView, DrawsCurvesAndEveryVariantsProbeMapAndItsShortcutsDriveTheSessions) {
    LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    f.lab->ui().main_tab = "train";
    f.frames(3);
    EXPECT_FALSE(has_panel(f, "train.curves"));  // nothing trained yet: the tab explains what to do

    TrainSetup s;
    s.task = "copy";
    s.variants = {VariantKind::Dpa, VariantKind::Ssa, VariantKind::Lssar};
    s.layers = 1;
    s.heads = 2;
    s.d_model = 8;
    s.d_ff = 16;
    s.seq_len = 10;
    s.batch = 4;
    s.steps = 12;
    s.threads = 1;
    TrainPanelState& st = train_tab_sessions();
    st.start(s);
    st.run_all(true);
    ASSERT_TRUE(wait_until([&] { return st.all_finished(); }));
    f.frames(3);
    for (const char* p : {"train.curves", "train.loss", "train.accuracy", "train.map.dpa", "train.map.ssa",
                          "train.map.lssar"})
        EXPECT_TRUE(has_panel(f, p)) << p;
    for (int i = 0; i < 3; ++i) EXPECT_NE(f.textures.key("train:" + std::to_string(i)), 0u) << i;
    const int uploads = f.textures.uploads();
    f.frames(3);
    EXPECT_EQ(f.textures.uploads(), uploads);  // unchanged snapshots are not uploaded again

    f.key(82);  // R: reset every run
    ASSERT_TRUE(wait_until([&] { return st.snapshot(0)->step == 0 && st.snapshot(2)->step == 0; }));
    f.key(78);  // N: one step each
    ASSERT_TRUE(wait_until([&] {
        return st.snapshot(0)->step == 1 && st.snapshot(1)->step == 1 && st.snapshot(2)->step == 1;
    }));
    f.frames(2);
    EXPECT_GT(f.textures.uploads(), uploads);  // the maps follow the new snapshots
    f.key(32);  // Space: run
    EXPECT_TRUE(st.running());
    ASSERT_TRUE(wait_until([&] { return st.all_finished(); }));
    st.clear();
}

TEST(LengthView, DrawsThePlotsOfAFinishedSweep) {
    const fs::path dir = fs::path(ATTNSCOPE_BINARY_DIR) / "tests" / "gui" / "scratch" / "length_view_plots";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const model::ModelConfig c = model::test::tiny_copy_config(8);
    training::TrainOptions o;
    o.steps = 2;
    o.batch = 2;
    o.seq_len = 8;
    o.warmup = 1;
    o.test_size = 4;
    training::Trainer t(c, "copy", o);
    t.step();
    training::save_checkpoint(dir / "m.safetensors", t.checkpoint(false));

    LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    f.lab->ui().main_tab = "length";
    f.frames(2);
    EXPECT_FALSE(has_panel(f, "length.plots"));
    LengthJobSpec spec;
    spec.model_paths = {(dir / "m.safetensors").string()};
    spec.factors = {1, 2, 4};
    spec.samples = 2;
    LengthJob& job = length_tab_job();
    job.start(spec);
    job.wait();
    ASSERT_EQ(job.results()->done, 3);
    f.frames(3);
    for (const char* p : {"length.plots", "length.accuracy", "length.loss", "length.entropy", "length.support"})
        EXPECT_TRUE(has_panel(f, p)) << p;
}

}  // namespace
}  // namespace attnscope::gui::test
