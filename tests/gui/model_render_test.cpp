// The Model view's pixels, rendered by the built executable with no display (`attnscope render --tab model`, EGL
// surfaceless), probed at map cells whose weights core/model computes here independently: the default model
// (induction_dpa) on the default sequence (the induction task's sample for seed 1 at the training length).
#include <gtest/gtest.h>
#include <stb_image.h>  // libstb ships the implementation
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/colormap.hpp"
#include "core/model/probe.hpp"
#include "core/tasks/task.hpp"
#include "core/training/checkpoint.hpp"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Png {
    int w = 0, h = 0;
    std::vector<std::uint8_t> rgba;
    Rgb8 at(float x, float y) const {
        const std::size_t i =
            (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 4;
        return {rgba[i], rgba[i + 1], rgba[i + 2]};
    }
};

// Within `tol` levels per channel: the texel is the colour map's 256-entry table at the weight (one level of
// quantisation) and GL may round once more; 4 levels leaves room for both on any driver.
::testing::AssertionResult near(Rgb8 got, Rgb8 want, int tol = 4) {
    if (std::abs(got.r - want.r) <= tol && std::abs(got.g - want.g) <= tol && std::abs(got.b - want.b) <= tol)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got (" << int(got.r) << "," << int(got.g) << "," << int(got.b)
                                         << "), want (" << int(want.r) << "," << int(want.g) << "," << int(want.b)
                                         << ")";
}

TEST(ModelRender, MapCellsShowTheWeightsCoreComputesForTheDefaultModel) {
    const fs::path dir = fs::temp_directory_path() / ("attnscope_model_render_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string cmd = "cd '" + dir.string() + "' && env -u DISPLAY -u WAYLAND_DISPLAY ATTNSCOPE_CONFIG_DIR='" +
                            (dir / "config").string() + "' '" ATTNSCOPE_BINARY_DIR "/app/attnscope' render --scene " +
                            "default --tab model --out m.png --layout m.json > out.txt 2> err.txt";
    const int status = std::system(cmd.c_str());
    std::ifstream err_in(dir / "err.txt");
    std::stringstream err;
    err << err_in.rdbuf();
    if (WEXITSTATUS(status) != 0 && err.str().find("Xvfb") != std::string::npos)
        GTEST_SKIP() << "no headless GL here: " << err.str();
    ASSERT_EQ(WEXITSTATUS(status), 0) << err.str();

    Png png;
    int comp = 0;
    unsigned char* data = stbi_load((dir / "m.png").c_str(), &png.w, &png.h, &comp, 4);
    ASSERT_TRUE(data);
    png.rgba.assign(data, data + static_cast<std::size_t>(png.w) * static_cast<std::size_t>(png.h) * 4);
    stbi_image_free(data);
    std::ifstream layout_in(dir / "m.json");
    const json layout = json::parse(layout_in);

    // The truth: the checkpoint, the sequence and the probe, straight from core.
    const training::Checkpoint ck =
        training::load_checkpoint(ATTNSCOPE_SOURCE_DIR "/assets/models/induction_dpa.safetensors");
    const auto task = tasks::make_task(ck.task);
    model::Rng rng(1);
    const tasks::Sample sample = task->generate(rng, ck.config.train_len);
    model::Transformer<float> m(ck.config);
    m.params() = ck.params;
    model::ProbeRequest rq;
    rq.tokens.assign(sample.tokens.begin(), sample.tokens.begin() + ck.config.train_len);
    rq.variants = {VariantKind::Dpa, VariantKind::Ea};
    const model::ProbeResult truth = model::probe(m, rq);

    auto check = [&](const std::string& panel, const MatF& w) {
        const json* p = nullptr;
        for (const json& q : layout["panels"])
            if (q["name"] == panel) p = &q;
        ASSERT_TRUE(p && p->contains("map")) << panel;
        const json& g = (*p)["map"];
        ASSERT_EQ(g["n"].get<int>(), static_cast<int>(w.rows())) << panel;
        ASSERT_GE(g["cell_w"].get<float>(), 2.0f) << panel << ": cells too small to probe one by one";
        int checked = 0;
        for (int i : {5, 17, 33, 48, 63, 62}) {
            Eigen::Index j = 0;
            w.row(i).leftCols(i + 1).maxCoeff(&j);  // the row's peak, and a cell far below it
            for (int c : {static_cast<int>(j), i / 2}) {
                const float x = g["x0"].get<float>() + (static_cast<float>(c) + 0.5f) * g["cell_w"].get<float>();
                const float y = g["y0"].get<float>() + (static_cast<float>(i) + 0.5f) * g["cell_h"].get<float>();
                // The panel's border line (anti-aliased) reaches ~1.5 px inside: cells that close are not probed.
                const float x0 = g["x0"].get<float>(), y0 = g["y0"].get<float>();
                const float x1 = x0 + g["cell_w"].get<float>() * g["cols"].get<float>();
                const float y1 = y0 + g["cell_h"].get<float>() * g["rows"].get<float>();
                if (x - x0 < 2.0f || x1 - x < 2.0f || y - y0 < 2.0f || y1 - y < 2.0f) continue;
                EXPECT_TRUE(near(png.at(x, y), colormap_rgb(Colormap::Viridis, w(i, c))))
                    << panel << " cell (" << i << "," << c << ") weight " << w(i, c);
                ++checked;
            }
        }
        EXPECT_GE(checked, 8) << panel;
    };
    check("model.own", truth.own_weights);
    check("model.dpa", truth.variants[0].weights);
    check("model.ea", truth.variants[1].weights);
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace attnscope
