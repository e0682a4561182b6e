// model_session_test.cpp — the Model view's state without a window (app/gui/model_session.hpp), and the view itself
// through the lab fixture (ImGui, no GL). Truth is computed independently: the checkpoint loaded again through
// core/training, the sequence generated again through core/tasks, the probe run directly through core/model/probe.
#include "app/gui/model_session.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/gui/views/draw_model.hpp"
#include "core/model/probe.hpp"
#include "core/tasks/task.hpp"
#include "core/training/checkpoint.hpp"
#include "lab_fixture.hpp"

namespace attnscope::gui {
namespace {

std::string model_path(const char* name) { return std::string(ATTNSCOPE_SOURCE_DIR) + "/assets/models/" + name; }

// A path unique to the running test and process (tests run in parallel).
std::filesystem::path scratch_file(const std::string& leaf) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto dir = std::filesystem::path(ATTNSCOPE_BINARY_DIR) / "tests" / "gui" / "scratch" /
                     (std::string(info->test_suite_name()) + "." + info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / leaf;
}

// The independent computation: the checkpoint loaded afresh and probed directly.
model::ProbeResult direct_probe(const std::string& path, const model::ProbeRequest& rq) {
    const training::Checkpoint ck = training::load_checkpoint(path);
    model::Transformer<float> m(ck.config);
    m.params() = ck.params;
    return model::probe(m, rq);
}

void expect_same_probe(const model::ProbeResult& got, const model::ProbeResult& want) {
    ASSERT_EQ(got.own_probs.size(), want.own_probs.size());
    // Same code path on the same inputs and one thread: bitwise equal; 1e-6 leaves room for a reordered reduction.
    EXPECT_LT((got.own_probs - want.own_probs).cwiseAbs().maxCoeff(), 1e-6f);
    EXPECT_LT((got.own_weights - want.own_weights).cwiseAbs().maxCoeff(), 1e-6f);
    EXPECT_LT((got.q - want.q).cwiseAbs().maxCoeff(), 1e-6f);
    ASSERT_EQ(got.variants.size(), want.variants.size());
    for (std::size_t i = 0; i < got.variants.size(); ++i) {
        const auto& g = got.variants[i];
        const auto& w = want.variants[i];
        EXPECT_EQ(g.kind, w.kind);
        EXPECT_EQ(g.error, w.error);
        if (!w.error.empty()) continue;
        EXPECT_LT((g.next_probs - w.next_probs).cwiseAbs().maxCoeff(), 1e-6f) << variant_name(g.kind);
        EXPECT_LT((g.weights - w.weights).cwiseAbs().maxCoeff(), 1e-6f) << variant_name(g.kind);
        EXPECT_NEAR(g.kl_from_own, w.kl_from_own, 1e-6 + 1e-5 * w.kl_from_own) << variant_name(g.kind);
    }
}

TEST(ModelSession, ShippedModelsAreListedAndTheDefaultIsInductionDpa) {
    const std::vector<ShippedModel> models = shipped_models();
    ASSERT_GE(models.size(), 12u);
    EXPECT_TRUE(std::is_sorted(models.begin(), models.end(),
                               [](const ShippedModel& a, const ShippedModel& b) { return a.name < b.name; }));
    EXPECT_EQ(std::filesystem::path(default_model_path()).filename(), "induction_dpa.safetensors");
}

TEST(ModelSession, OpenGeneratesTheTasksSequenceAndTheProbeMatchesCore) {
    const std::string path = model_path("induction_dpa.safetensors");
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(path)) << s.load_error();
    EXPECT_EQ(s.checkpoint().task, "induction");
    s.generate(40, 7);
    // The sequence is the task's own sample for that seed, regenerated independently here.
    const auto task = tasks::make_task("induction");
    model::Rng rng(7);
    const tasks::Sample sample = task->generate(rng, 40);
    ASSERT_EQ(s.tokens(), std::vector<int>(sample.tokens.begin(), sample.tokens.begin() + 40));
    EXPECT_EQ(s.expected_next(), sample.answer[39] ? sample.tokens[40] : -1);

    s.set_layer(1);
    s.set_head(2);
    s.update();
    const auto p = s.latest();
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->error.empty()) << p->error;
    model::ProbeRequest rq;
    rq.tokens = s.tokens();
    rq.layer = 1;
    rq.head = 2;
    rq.variants.assign(all_variant_kinds().begin(), all_variant_kinds().end());
    expect_same_probe(p->result, direct_probe(path, rq));
    // One image per map, one texel per cell at this length.
    ASSERT_TRUE(p->own_image);
    EXPECT_EQ(p->own_image->width, 40);
    EXPECT_TRUE(p->own_image->exact);
    EXPECT_EQ(p->head_images.size(), 4u);
    ASSERT_EQ(p->variant_images.size(), all_variant_kinds().size());
    for (std::size_t i = 0; i < p->variant_images.size(); ++i)
        EXPECT_EQ(p->variant_images[i] != nullptr, p->result.variants[i].error.empty());
    // The trained model solves induction: where the task knows the answer, the model's top token is it.
    if (s.expected_next() >= 0) {
        Eigen::Index best = 0;
        p->result.own_probs.maxCoeff(&best);
        EXPECT_EQ(best, s.expected_next());
    }
}

TEST(ModelSession, DraggingAQueryOverridesItAndMovesThePredictionAsCoreSays) {
    const std::string path = model_path("induction_dpa.safetensors");
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(path));
    s.generate(32, 3);
    s.set_layer(1);
    s.update();
    const auto before = s.latest();
    ASSERT_TRUE(before && before->error.empty());
    const int last = 31;
    const QkPlane plane = qk_plane(before->result.q, before->result.k);
    const Eigen::VectorXd start = before->result.q.row(last).transpose().cast<double>();
    const model::ProbeOverride o = dragged_override(last, true, start, plane, -12.0, 9.0);
    // The drag moves the vector within the plane only.
    EXPECT_LT((o.vec - start - (-12.0 * plane.ex + 9.0 * plane.ey)).norm(), 1e-12);
    s.set_override(o, 77);
    s.update();
    const auto after = s.latest();
    ASSERT_TRUE(after && after->error.empty());
    EXPECT_GT(after->request_id, before->request_id);
    EXPECT_LT((after->result.q.row(last).transpose().cast<double>() - o.vec).norm(), 1e-4);
    model::ProbeRequest rq;
    rq.tokens = s.tokens();
    rq.layer = 1;
    rq.variants.assign(all_variant_kinds().begin(), all_variant_kinds().end());
    rq.override_qk = o;
    expect_same_probe(after->result, direct_probe(path, rq));
    // The prediction moved (the model's own distribution after the override differs from before).
    EXPECT_GT(model::kl_divergence(before->result.own_probs, after->result.own_probs), 1e-4);
    // Undo puts the model's own query back: one step for the whole gesture.
    s.set_override(dragged_override(last, true, start, plane, -13.0, 9.0), 77);
    ASSERT_TRUE(s.undo());
    EXPECT_FALSE(s.query().override_qk.has_value());
    ASSERT_TRUE(s.redo());
    ASSERT_TRUE(s.query().override_qk.has_value());
    // Another head drops the override (it belonged to head 0's queries).
    s.set_head(1);
    EXPECT_FALSE(s.query().override_qk.has_value());
}

TEST(ModelSession, MapsWithMoreCellsThanPixelsArePooledToThePanelsSize) {
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(model_path("passkey_dpa.safetensors")));
    s.generate(100, 4);
    s.set_image_sizes(0, 0, 0);
    s.update();
    const auto exact = s.latest();
    ASSERT_TRUE(exact && exact->error.empty());
    EXPECT_EQ(exact->variant_images.front()->width, 100);
    EXPECT_TRUE(exact->variant_images.front()->exact);
    s.set_image_sizes(80, 30, 10);  // a smaller window: the numbers stay, the images follow the panels
    s.update();
    const auto pooled = s.latest();
    ASSERT_TRUE(pooled && pooled->error.empty());
    EXPECT_GT(pooled->request_id, exact->request_id);
    EXPECT_EQ(pooled->own_image->width, 80);
    EXPECT_EQ(pooled->variant_images.front()->width, 30);
    EXPECT_FALSE(pooled->variant_images.front()->exact);
    EXPECT_EQ(pooled->head_images.front()->width, 10);
    EXPECT_EQ(pooled->result.own_probs, exact->result.own_probs);
}

TEST(ModelSession, ThePlaneIsOrthonormalAndHoldsMoreOfQAndKThanAnyAxis) {
    const std::string path = model_path("induction_dpa.safetensors");
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(path));
    s.update();
    const auto p = s.latest();
    ASSERT_TRUE(p && p->error.empty());
    const QkPlane pl = qk_plane(p->result.q, p->result.k);
    EXPECT_NEAR(pl.ex.norm(), 1.0, 1e-9);
    EXPECT_NEAR(pl.ey.norm(), 1.0, 1e-9);
    EXPECT_NEAR(pl.ex.dot(pl.ey), 0.0, 1e-9);
    // ex maximises |Q x|^2 + |K x|^2 over unit x: no coordinate axis beats it.
    const Eigen::MatrixXd q = p->result.q.cast<double>(), k = p->result.k.cast<double>();
    auto energy = [&](const Eigen::VectorXd& x) { return (q * x).squaredNorm() + (k * x).squaredNorm(); };
    for (Eigen::Index i = 0; i < q.cols(); ++i)
        EXPECT_GE(energy(pl.ex) * (1 + 1e-9), energy(Eigen::VectorXd::Unit(q.cols(), i)));
}

TEST(ModelSession, ADamagedCheckpointIsRefusedWithTheLoadersMessageAndTheModelStays) {
    const std::string good = model_path("passkey_ssa.safetensors");
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(good));
    s.generate(48, 2);
    const std::vector<int> tokens = s.tokens();
    // A truncated copy, in a path of this test's own.
    const auto bad = scratch_file("truncated.safetensors");
    {
        std::ifstream in(good, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream out(bad, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    }
    std::string expected;
    try {
        training::load_checkpoint(bad);
    } catch (const std::exception& e) {
        expected = e.what();
    }
    ASSERT_FALSE(expected.empty());
    EXPECT_FALSE(s.open(bad.string()));
    EXPECT_EQ(s.load_error(), expected);
    EXPECT_NE(s.load_error().find(bad.filename().string()), std::string::npos) << s.load_error();
    EXPECT_TRUE(s.loaded());
    EXPECT_EQ(s.path(), good);
    EXPECT_EQ(s.checkpoint().task, "passkey");
    EXPECT_EQ(s.tokens(), tokens);
    EXPECT_FALSE(s.open(scratch_file("missing.safetensors").string()));
    EXPECT_EQ(s.path(), good);
    std::filesystem::remove_all(bad.parent_path());
}

TEST(ModelSession, TypedTokensAreTheTasksAndAnUnknownOneIsNamed) {
    ModelSession s(ModelSession::Mode::Sync);
    ASSERT_TRUE(s.open(model_path("induction_lssa.safetensors")));
    const auto task = tasks::make_task("induction");
    const std::vector<std::string>& vocab = task->vocab();
    ASSERT_GE(vocab.size(), 4u);
    const std::string text = vocab[1] + " " + vocab[2] + " " + vocab[3] + " " + vocab[1] + " " + vocab[2];
    ASSERT_TRUE(s.set_text(text)) << s.input_error();
    EXPECT_EQ(s.tokens(), (std::vector<int>{1, 2, 3, 1, 2}));
    EXPECT_EQ(s.text(), text);
    EXPECT_EQ(s.expected_next(), -1);
    EXPECT_FALSE(s.set_text(vocab[1] + " no_such_token"));
    EXPECT_NE(s.input_error().find("no_such_token"), std::string::npos);
    EXPECT_EQ(s.tokens(), (std::vector<int>{1, 2, 3, 1, 2}));
    ASSERT_TRUE(s.undo());  // back to the generated sequence
    EXPECT_EQ(static_cast<int>(s.tokens().size()), s.config().train_len);
}

TEST(ModelSession, TheWorkerPublishesTheNewestRequestOnlyAndAgreesWithSync) {
    const std::string path = model_path("induction_ssa.safetensors");
    ModelSession a(ModelSession::Mode::Async), b(ModelSession::Mode::Sync);
    ASSERT_TRUE(a.open(path));
    ASSERT_TRUE(b.open(path));
    for (int seed = 1; seed <= 4; ++seed) {  // four requests in a row: only the last one must end up shown
        a.generate(24, static_cast<std::uint64_t>(seed));
        a.update();
    }
    ASSERT_TRUE(a.wait(60000.0));
    EXPECT_FALSE(a.busy());
    b.generate(24, 4);
    b.update();
    const auto pa = a.latest(), pb = b.latest();
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(pa->request_id, a.submitted());
    EXPECT_EQ(pa->tokens, pb->tokens);
    expect_same_probe(pa->result, pb->result);
}

// ---- The view, through the lab without a window ------------------------------------------------------------------

// Opens the Model tab and waits (without a time limit that a loaded CI machine could miss) for its first probe.
ModelSession& open_model_tab(testing::LabFixture& f) {
    f.lab->ui().main_tab = "model";
    f.frames(2);
    ModelSession& s = model_view_session(f.lab->ui());
    EXPECT_TRUE(s.loaded()) << s.load_error();
    EXPECT_TRUE(s.wait(120000.0));
    f.frames(3);
    return s;
}

TEST(ModelView, TheTabOpensTheDefaultModelAndDrawsEveryVariantsMap) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    open_model_tab(f);
    const PanelRecord* own = f.lab->layout().find("model.own");
    ASSERT_TRUE(own && own->map);
    EXPECT_EQ(own->map->n, 64);  // the default model's training length
    for (VariantKind k : all_variant_kinds()) {
        const PanelRecord* m = f.lab->layout().find("model." + std::string(variant_name(k)));
        ASSERT_TRUE(m && m->map) << variant_name(k);
        EXPECT_GT(m->rect.z, 100.0f) << "map too small to read: " << variant_name(k);
    }
    EXPECT_TRUE(f.textures.key("model:own") != 0);
}

TEST(ModelView, ClickingAMapRowReadsThePredictionThereAndEscGoesBack) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    ModelSession& s = open_model_tab(f);
    f.click(f.cell("model.own", 20, 3));
    f.frames(2);
    EXPECT_EQ(s.read_position(), 20);
    ASSERT_TRUE(s.wait(120000.0));
    f.frames(1);
    const auto p = s.latest();
    ASSERT_TRUE(p && p->error.empty());
    EXPECT_EQ(p->result.position, 20);
    model::ProbeRequest rq;
    rq.tokens = s.tokens();
    rq.layer = s.query().layer;
    rq.head = s.query().head;
    rq.position = 20;
    rq.variants.assign(all_variant_kinds().begin(), all_variant_kinds().end());
    expect_same_probe(p->result, direct_probe(s.path(), rq));
    // The lab's own scene keeps its locked query; Esc takes the view back to the last token.
    EXPECT_EQ(f.lab->scene().view.locked_query, -1);
    f.key(keys::kEscape);
    EXPECT_EQ(s.read_position(), static_cast<int>(s.tokens().size()) - 1);
}

TEST(ModelView, CtrlZInTheModelTabUndoesTheModelsEditNotTheScenes) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    ModelSession& s = open_model_tab(f);
    const std::uint64_t scene_revision = f.lab->scene().revision;
    const std::vector<int> before = s.tokens();
    f.key(71);  // G: a new sample
    EXPECT_NE(s.tokens(), before);
    f.key(90, true);  // Ctrl+Z
    EXPECT_EQ(s.tokens(), before);
    EXPECT_EQ(f.lab->scene().revision, scene_revision);
}

TEST(ModelView, HAndNStepHeadAndLayer) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    ModelSession& s = open_model_tab(f);
    EXPECT_EQ(s.query().head, 0);
    f.key(72);  // H
    EXPECT_EQ(s.query().head, 1);
    f.key(72, false, true);  // Shift+H
    EXPECT_EQ(s.query().head, 0);
    f.key(78);  // N
    EXPECT_EQ(s.query().layer, 1);
}

TEST(ModelView, DraggingAQueryOnTheCanvasOverridesItAndThePredictionFollowsCore) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    ModelSession& s = open_model_tab(f);
    s.set_layer(1);
    f.frames(1);
    ASSERT_TRUE(s.wait(120000.0));
    f.frames(2);
    const auto before = s.latest();
    ASSERT_TRUE(before && before->error.empty());
    const PanelRecord* canvas = f.lab->layout().find("model.canvas");
    ASSERT_TRUE(canvas && canvas->extra.contains("origin"));
    const float ox = canvas->extra["origin"][0], oy = canvas->extra["origin"][1],
                ppu = canvas->extra["pixels_per_unit"];
    // Where the view draws each point: the plane of the shown probe, from its own Q and K.
    const MatF& q = before->result.q;
    const MatF& k = before->result.k;
    const QkPlane plane = qk_plane(q, k);
    const int n = static_cast<int>(q.rows());
    auto px = [&](const MatF& m, int i) {
        const Eigen::VectorXd v = m.row(i).transpose().cast<double>();
        return ImVec2(ox + static_cast<float>(v.dot(plane.ex)) * ppu, oy - static_cast<float>(v.dot(plane.ey)) * ppu);
    };
    // The query farthest from every other point, so the press picks it and nothing else.
    int pick = -1;
    float best = 0;
    for (int i = 0; i < n; ++i) {
        float nearest = 1e9f;
        const ImVec2 a = px(q, i);
        for (int j = 0; j < n; ++j)
            for (const MatF* m : {&q, &k}) {
                if (m == &q && j == i) continue;
                const ImVec2 b = px(*m, j);
                nearest = std::min(nearest, (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y));
            }
        if (nearest > best) {
            best = nearest;
            pick = i;
        }
    }
    ASSERT_GE(pick, 0);
    const ImVec2 at = px(q, pick);
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
    ASSERT_TRUE(s.query().override_qk.has_value());
    const model::ProbeOverride& o = *s.query().override_qk;
    EXPECT_EQ(o.token, pick);
    EXPECT_TRUE(o.is_query);
    const Eigen::VectorXd want =
        q.row(pick).transpose().cast<double>() + (40.0 / ppu) * plane.ex + (20.0 / ppu) * plane.ey;
    EXPECT_LT((o.vec - want).norm(), 1e-4 * (1 + want.norm()));  // float positions and ppu: ~1e-6 relative
    ASSERT_TRUE(s.wait(120000.0));
    f.frames(1);
    const auto after = s.latest();
    ASSERT_TRUE(after && after->error.empty());
    model::ProbeRequest rq;
    rq.tokens = s.tokens();
    rq.layer = 1;
    rq.head = 0;
    rq.variants.assign(all_variant_kinds().begin(), all_variant_kinds().end());
    rq.override_qk = o;
    expect_same_probe(after->result, direct_probe(s.path(), rq));
    // The whole drag is one undo step, and Ctrl+Z in this tab takes it back.
    f.key(keys::kZ, true);
    EXPECT_FALSE(s.query().override_qk.has_value());
}

TEST(ModelView, SendingQKVToTheLabPutsTheHeadsVectorsInTheSceneAndUndoRestoresIt) {
    testing::LabFixture f(make_default_scene(), ImVec2(1600, 900), false);
    ModelSession& s = open_model_tab(f);
    s.set_head(3);
    f.frames(1);
    ASSERT_TRUE(s.wait(120000.0));
    f.frames(2);
    const std::shared_ptr<const SceneTokens> old_tokens = f.lab->scene().tokens;
    const PanelRecord* button = f.lab->layout().find("model.send_to_lab");
    ASSERT_TRUE(button);
    // Layout rectangles are in pixels; the fixture's framebuffer scale is 1.
    f.click(ImVec2(button->rect.x + button->rect.z / 2, button->rect.y + button->rect.w / 2));
    f.frames(2);
    EXPECT_EQ(f.lab->ui().main_tab, "variants");
    // The truth: layer 0, head 3 of the default model on the view's sequence, straight from core.
    model::ProbeRequest rq;
    rq.tokens = s.tokens();
    rq.head = 3;
    const model::ProbeResult truth = direct_probe(s.path(), rq);
    const SceneTokens& t = *f.lab->scene().tokens;
    ASSERT_EQ(t.n(), static_cast<int>(rq.tokens.size()));
    EXPECT_LT((t.q - truth.q.cast<double>()).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_LT((t.k - truth.k.cast<double>()).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_LT((t.v - truth.v.cast<double>()).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_EQ(t.labels.front(), s.token_name(rq.tokens.front()));
    f.key(keys::kZ, true);  // in the Variants tab, Ctrl+Z is the scene's again
    EXPECT_EQ(f.lab->scene().tokens, old_tokens);
}

}  // namespace
}  // namespace attnscope::gui
