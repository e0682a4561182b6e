// scene_fuzz_replay_test.cpp — the scene-loader fuzz target's body (tests/fuzz/fuzz_one_scene.hpp) replayed on its
// seed corpus (assets/scenes/*.json) and on every stored finding (tests/fuzz/scene_regressions/), so the contract
// holds in the normal suite and under the asan preset without clang: a scene file loads, saves and loads back
// identically, or is refused with an InputError naming the file; it never crashes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/fuzz/fuzz_one_scene.hpp"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    if (fs::exists(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(SceneFuzzReplay, SeedScenesLoadAndRoundTrip) {
    const auto seeds = files_in(fs::path(ATTNSCOPE_SOURCE_DIR) / "assets" / "scenes");
    ASSERT_GE(seeds.size(), 5u) << "the seed corpus is assets/scenes/*.json";
    for (const auto& p : seeds) {
        SCOPED_TRACE(p.string());
        EXPECT_NO_THROW((void)load_scene_file(p.string()));  // the shipped scenes are valid
        fuzz::fuzz_one_scene_file(p.string());
    }
}

TEST(SceneFuzzReplay, StoredFindingsAreRefusedOrLoaded) {
    const auto inputs = files_in(fs::path(ATTNSCOPE_SOURCE_DIR) / "tests" / "fuzz" / "scene_regressions");
    for (const auto& p : inputs) {
        SCOPED_TRACE(p.filename().string());
        fuzz::fuzz_one_scene_file(p.string());  // aborts (fails the test binary) on a finding
    }
    RecordProperty("inputs", static_cast<int>(inputs.size()));
}

}  // namespace
}  // namespace attnscope
