// train_length_state_test.cpp — the GL-free halves of the Train and Length views (issue 5, parts 7 and 8):
// sessions built from the setup train exactly as a Trainer built by hand does; curve extraction and decimation
// against a brute-force recount; the length job against evaluate_at_length called directly; its CSV parsed back;
// cancel; bad input that changes nothing. Every file goes under a folder named after the test (ctest -j).
#include <gtest/gtest.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "app/gui/length_panel_state.hpp"
#include "app/gui/train_panel_state.hpp"
#include "core/errors.hpp"
#include "core/tasks/task.hpp"
#include "core/training/length_eval.hpp"
#include "core/training/trainer.hpp"
#include "tests/model/checkpoint_fixtures.hpp"

namespace attnscope::gui::test {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& test) {
    const fs::path dir = fs::path(ATTNSCOPE_BINARY_DIR) / "tests" / "gui" / "scratch" / ("train_length_" + test);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

template <typename F>
bool wait_until(F pred, double seconds = 120) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

TrainSetup tiny_setup() {
    TrainSetup s;
    s.task = "copy";
    s.variants = {VariantKind::Dpa, VariantKind::Lssar};
    s.layers = 1;
    s.heads = 2;
    s.d_model = 8;
    s.d_ff = 16;
    s.seq_len = 10;
    s.batch = 4;
    s.steps = 20;
    s.threads = 1;
    return s;
}

// =====================================================================================================================
// Curves
// =====================================================================================================================
TEST(TrainCurves, ExtractKeepsOneEntryPerStepAndOnlyEvaluatedTestPoints) {
    std::vector<training::LogEntry> log = {
        {10, 2.0, 0.1, -1.0, 0, 0}, {20, 1.5, 0.3, 0.25, 0, 0}, {20, 1.4, 0.35, 0.3, 0, 0}, {30, 1.0, 0.6, -1.0, 0, 0}};
    const Curve loss = extract_curve(log, CurveMetric::Loss);
    EXPECT_EQ(loss.x, (std::vector<double>{10, 20, 30}));
    EXPECT_EQ(loss.y, (std::vector<double>{2.0, 1.4, 1.0}));  // the later entry of step 20 wins
    const Curve acc = extract_curve(log, CurveMetric::Accuracy);
    EXPECT_EQ(acc.y, (std::vector<double>{0.1, 0.35, 0.6}));
    const Curve test = extract_curve(log, CurveMetric::TestAccuracy);
    EXPECT_EQ(test.x, (std::vector<double>{20}));
    EXPECT_EQ(test.y, (std::vector<double>{0.3}));
}

TEST(TrainCurves, DecimationKeepsEveryBucketsExtremes) {
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0.0, 1.0);
    Curve c;
    for (int i = 0; i < 10000; ++i) {
        c.x.push_back(i * 3);
        c.y.push_back(std::exp(-i / 3000.0) + 0.05 * noise(rng));
    }
    c.y[4321] = 50.0;  // a spike must survive
    const int buckets = 64;
    const Curve d = decimate_curve(c, buckets);
    ASSERT_LE(d.x.size(), static_cast<std::size_t>(2 * buckets));
    ASSERT_EQ(d.x.size(), d.y.size());
    for (std::size_t i = 1; i < d.x.size(); ++i) EXPECT_LT(d.x[i - 1], d.x[i]);
    // Recount independently: for each span, the min and max of the original points must appear in the output.
    const double x0 = c.x.front(), span = c.x.back() - x0;
    for (int b = 0; b < buckets; ++b) {
        const double lo = b == 0 ? -1e300 : x0 + span * b / buckets, hi = x0 + span * (b + 1) / buckets;
        double mn = 1e300, mx = -1e300;
        for (std::size_t i = 0; i < c.x.size(); ++i)
            if (c.x[i] > lo && c.x[i] <= hi) mn = std::min(mn, c.y[i]), mx = std::max(mx, c.y[i]);
        bool has_min = false, has_max = false;
        for (std::size_t i = 0; i < d.x.size(); ++i)
            if (d.x[i] > lo && d.x[i] <= hi) has_min |= d.y[i] == mn, has_max |= d.y[i] == mx;
        EXPECT_TRUE(has_min && has_max) << "span " << b;
    }
    EXPECT_NE(std::find(d.y.begin(), d.y.end(), 50.0), d.y.end());
    const Curve small = decimate_curve(Curve{{1, 2, 3}, {3, 2, 1}}, 8);  // short curves pass unchanged
    EXPECT_EQ(small.y, (std::vector<double>{3, 2, 1}));
}

TEST(TrainCurves, RangeCoversFinitePointsWithPadding) {
    const std::vector<Curve> cs = {Curve{{0, 10}, {1.0, 3.0}}, Curve{{5, 40}, {2.0, std::nan("")}}};
    const CurveRange r = curve_range(cs);
    EXPECT_EQ(r.x1, 10);  // the point at x = 40 has no finite y
    EXPECT_NEAR(r.y0, 1.0 - 0.1, 1e-12);
    EXPECT_NEAR(r.y1, 3.0 + 0.1, 1e-12);
    const CurveRange flat = curve_range({Curve{{1}, {2.0}}});
    EXPECT_LT(flat.y0, 2.0);
    EXPECT_GT(flat.y1, 2.0);
}

// =====================================================================================================================
// Sessions
// =====================================================================================================================
TEST(TrainPanel, BadSetupIsRefusedAndChangesNothing) {
    TrainPanelState st;
    TrainSetup none = tiny_setup();
    none.variants.clear();
    EXPECT_THROW(st.start(none), InputError);
    TrainSetup twice = tiny_setup();
    twice.variants = {VariantKind::Dpa, VariantKind::Dpa};
    EXPECT_THROW(st.start(twice), InputError);
    TrainSetup value_aware = tiny_setup();
    value_aware.variants = {VariantKind::VaExact};  // inference-time only
    EXPECT_THROW(st.start(value_aware), InputError);
    EXPECT_TRUE(st.empty());

    st.start(tiny_setup());
    ASSERT_EQ(st.size(), 2);
    training::TrainSession* first = &st.session(0);
    TrainSetup odd = tiny_setup();
    odd.heads = 3;  // 8 % 3 != 0
    EXPECT_THROW(st.start(odd), InputError);
    ASSERT_EQ(st.size(), 2);  // the old sessions go on
    EXPECT_EQ(&st.session(0), first);
    EXPECT_EQ(st.setup().heads, 2);
}

// The sessions the panel builds train exactly like a Trainer built by hand from the same numbers (same seed, one
// thread each: the trainer is bit-deterministic for a seed and thread count, trainer.hpp).
TEST(TrainPanel, SessionsMatchAHandBuiltTrainerAndSave) {
    const fs::path dir = scratch("sessions");
    TrainPanelState st;
    st.start(tiny_setup());
    st.run_all(true);
    ASSERT_TRUE(wait_until([&] { return st.all_finished(); }));

    for (int i = 0; i < st.size(); ++i) {
        model::ModelConfig c = model::test::tiny_copy_config(10, st.variant(i));
        c.positions = model::PositionKind::Rope;
        training::TrainOptions o;
        o.steps = 20;
        o.batch = 4;
        o.seq_len = 10;
        o.lr = 3e-3;
        o.seed = 1;
        o.warmup = 2;       // 10 % of the steps
        o.eval_every = 10;  // clamp(20 / 10, 10, 200)
        o.test_size = 128;
        omp_set_num_threads(1);
        training::Trainer direct(c, "copy", o);
        while (!direct.done()) {
            const training::StepInfo s = direct.step();
            if (s.step % o.eval_every == 0 || direct.done()) direct.evaluate();
        }
        const auto snap = st.snapshot(i);
        EXPECT_EQ(snap->step, 20);
        const Curve mine = extract_curve(snap->log, CurveMetric::Loss), ref = extract_curve(direct.log(), CurveMetric::Loss);
        ASSERT_EQ(mine.x, ref.x) << variant_name(st.variant(i));
        ASSERT_FALSE(ref.y.empty());
        for (std::size_t k = 0; k < ref.y.size(); ++k) EXPECT_EQ(mine.y[k], ref.y[k]) << "entry " << k;
        // probe maps: every head, rows sum to 1 (causal softmax-family rows normalise)
        ASSERT_EQ(snap->maps.size(), 2u);
        for (int r = 0; r < 10; ++r) EXPECT_NEAR(snap->maps[0].row(r).sum(), 1.0f, 1e-5f);
    }

    const auto paths = st.save_all(dir / "ck");
    ASSERT_EQ(paths.size(), 2u);
    ASSERT_TRUE(wait_until([&] {
        for (const auto& p : paths)
            if (!fs::exists(p)) return false;
        return st.snapshot(0)->message.rfind("saved", 0) == 0 && st.snapshot(1)->message.rfind("saved", 0) == 0;
    }));
    for (int i = 0; i < 2; ++i) {
        const training::Checkpoint ck = training::load_checkpoint(paths[static_cast<std::size_t>(i)]);
        EXPECT_EQ(ck.step, 20);
        EXPECT_EQ(ck.config.variant, st.variant(i));
        EXPECT_EQ(paths[static_cast<std::size_t>(i)].filename().string(),
                  "copy_" + std::string(variant_name(st.variant(i))) + "_step20.safetensors");
    }
    // A file where the folder should be: refused, nothing written.
    std::ofstream(dir / "blocker") << "x";
    EXPECT_THROW(st.save_all(dir / "blocker"), InputError);
    EXPECT_THROW(st.save_all(dir / "blocker" / "sub"), InputError);

    st.reset_all();
    ASSERT_TRUE(wait_until([&] { return st.snapshot(0)->step == 0 && st.snapshot(1)->step == 0; }));
    st.step_all();
    ASSERT_TRUE(wait_until([&] { return st.snapshot(0)->step == 1 && st.snapshot(1)->step == 1; }));
    EXPECT_TRUE(st.snapshot(0)->paused);
}

// =====================================================================================================================
// Length job
// =====================================================================================================================
fs::path tiny_checkpoint(const fs::path& dir, VariantKind v, model::PositionKind pos, const std::string& name) {
    model::ModelConfig c = model::test::tiny_copy_config(8, v);
    c.positions = pos;
    training::TrainOptions o;
    o.steps = 5;
    o.batch = 4;
    o.seq_len = 8;
    o.warmup = 1;
    o.test_size = 8;
    training::Trainer t(c, "copy", o);
    while (!t.done()) t.step();
    const fs::path p = dir / name;
    training::save_checkpoint(p, t.checkpoint(false));
    return p;
}

std::vector<std::vector<std::string>> parse_csv(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (!line.empty() && line.back() == ',') cells.push_back("");
        rows.push_back(cells);
    }
    return rows;
}

TEST(LengthJob, MatchesDirectEvaluationAndCsvRoundTrips) {
    const fs::path dir = scratch("direct");
    const fs::path a = tiny_checkpoint(dir, VariantKind::Dpa, model::PositionKind::Rope, "a_dpa.safetensors");
    const fs::path b = tiny_checkpoint(dir, VariantKind::Lssar, model::PositionKind::Learned, "b_lssar.safetensors");
    LengthJob job;
    LengthJobSpec spec;
    spec.model_paths = {a.string(), b.string()};
    spec.factors = {2, 1};  // planned ascending
    spec.samples = 6;
    job.start(spec);
    job.wait();
    const auto r = job.results();
    ASSERT_TRUE(r->finished);
    EXPECT_FALSE(r->cancelled);
    ASSERT_EQ(r->total, 4);
    ASSERT_EQ(r->entries.size(), 4u);

    // Independent: the checkpoints evaluated here with evaluate_at_length. Sums are over 6 sequences x <= 16
    // positions in float; the worker may split them over other threads, so allow a float reduction-order error of
    // ~100 terms * 6e-8 = 6e-6 relative, with 10x headroom.
    int idx = 0;
    for (const fs::path& p : {a, b}) {
        const training::Checkpoint ck = training::load_checkpoint(p);
        model::Transformer<float> m(ck.config);
        m.params() = ck.params;
        const auto task = tasks::make_task(ck.task);
        for (int n : {8, 16}) {
            const LengthEntry& e = r->entries[static_cast<std::size_t>(idx++)];
            EXPECT_EQ(e.row.length, n);
            EXPECT_EQ(e.row.model, p.filename().string());
            if (ck.config.positions == model::PositionKind::Learned && n > 8) {
                EXPECT_FALSE(e.row.available);
                EXPECT_NE(e.note.find("learned positions"), std::string::npos);
                continue;
            }
            ASSERT_TRUE(e.row.available) << e.note;
            const training::LengthPoint d = training::evaluate_at_length(m, *task, n, 6, true);
            EXPECT_NEAR(e.row.point.loss, d.loss, 6e-5 * std::abs(d.loss));
            EXPECT_EQ(e.row.point.answers, d.answers);
            EXPECT_NEAR(e.row.point.accuracy, d.accuracy, 1e-12);
            ASSERT_EQ(e.row.point.entropy.size(), static_cast<std::size_t>(n));
            for (int t = 0; t < n; ++t) {
                EXPECT_NEAR(e.row.point.entropy[t], d.entropy[t], 1e-5 * (1 + d.entropy[t]));
                EXPECT_NEAR(e.row.point.effective_support[t], d.effective_support[t], 1e-5 * d.effective_support[t]);
            }
        }
    }

    // The CSV parsed back: the CLI's header, and numbers equal to the direct ones to the 6 digits written.
    const fs::path csv = dir / "lengths.csv", pos = dir / "lengths_positions.csv";
    export_length_csv(*r, csv, pos);
    const auto rows = parse_csv(csv);
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"model", "variant", "task", "train_len", "length", "ratio", "loss",
                                                  "accuracy", "answers", "mean_entropy", "mean_effective_support"}));
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& row = rows[i + 1];
        const LengthEntry& e = r->entries[i];
        ASSERT_EQ(row.size(), 11u);
        EXPECT_EQ(row[0], e.row.model);
        EXPECT_EQ(row[1], e.model == 0 ? "dpa" : "lssar");
        EXPECT_EQ(row[2], "copy");
        EXPECT_EQ(std::stoi(row[4]), e.row.length);
        EXPECT_DOUBLE_EQ(std::stod(row[5]), e.row.length / 8.0);
        if (!e.row.available) {
            EXPECT_EQ(row[6], "");
            EXPECT_EQ(row[8], "0");
            continue;
        }
        const auto& ent = e.row.point.entropy;
        double mean_h = 0, mean_s = 0;  // means over positions, summed here (not LengthPoint's helpers)
        for (double h : ent) mean_h += h;
        for (double s : e.row.point.effective_support) mean_s += s;
        mean_h /= static_cast<double>(ent.size());
        mean_s /= static_cast<double>(ent.size());
        EXPECT_NEAR(std::stod(row[6]), e.row.point.loss, 1e-5 * e.row.point.loss);
        EXPECT_NEAR(std::stod(row[7]), e.row.point.accuracy, 1e-5);
        EXPECT_EQ(std::stoi(row[8]), e.row.point.answers);
        EXPECT_NEAR(std::stod(row[9]), mean_h, 1e-5 * (1 + mean_h));
        EXPECT_NEAR(std::stod(row[10]), mean_s, 1e-5 * (1 + mean_s));
    }
    const auto prow = parse_csv(pos);
    EXPECT_EQ(prow.size(), 1u + 8 + 16 + 8);  // header + the three available points' positions
}

TEST(LengthJob, CancelStopsBeforeTheEnd) {
    const fs::path dir = scratch("cancel");
    const fs::path a = tiny_checkpoint(dir, VariantKind::Dpa, model::PositionKind::Rope, "a.safetensors");
    LengthJob job;
    LengthJobSpec spec;
    spec.model_paths = {a.string()};
    for (int n = 64; n <= 64 * 40; n += 64) spec.lengths.push_back(n);  // 40 points, up to 2560 tokens
    spec.samples = 16;
    job.start(spec);
    job.cancel();
    job.wait();
    const auto r = job.results();
    EXPECT_TRUE(r->finished);
    EXPECT_TRUE(r->cancelled);
    EXPECT_EQ(r->total, 40);
    EXPECT_LT(r->done, 40);
    EXPECT_EQ(r->entries.size(), static_cast<std::size_t>(r->done));
    EXPECT_FALSE(job.running());
}

TEST(LengthJob, BadInputIsRefusedAndKeepsTheResults) {
    const fs::path dir = scratch("bad");
    const fs::path a = tiny_checkpoint(dir, VariantKind::Dpa, model::PositionKind::Rope, "a.safetensors");
    LengthJob job;
    LengthJobSpec spec;
    spec.model_paths = {a.string()};
    spec.factors = {1};
    spec.samples = 2;
    job.start(spec);
    job.wait();
    const auto before = job.results();
    ASSERT_EQ(before->entries.size(), 1u);

    // A truncated checkpoint: refused with its file name, nothing started.
    {
        std::ifstream in(a, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(dir / "cut.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    LengthJobSpec bad = spec;
    bad.model_paths = {a.string(), (dir / "cut.safetensors").string()};
    try {
        job.start(bad);
        FAIL() << "a truncated checkpoint was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
    }
    LengthJobSpec no_models = spec;
    no_models.model_paths.clear();
    EXPECT_THROW(job.start(no_models), InputError);
    EXPECT_EQ(job.results(), before);

    // An unwritable CSV path: refused, the existing file untouched.
    std::ofstream(dir / "keep.csv") << "old";
    EXPECT_THROW(export_length_csv(*before, dir / "missing" / "x.csv", dir / "keep.csv"), InputError);
    std::ifstream keep(dir / "keep.csv");
    std::string text((std::istreambuf_iterator<char>(keep)), {});
    EXPECT_EQ(text, "old");
    EXPECT_THROW(training::parse_length_list("64,abc", "Lengths"), InputError);
    EXPECT_EQ(training::parse_length_list("64, 128", "Lengths"), (std::vector<int>{64, 128}));
}

}  // namespace
}  // namespace attnscope::gui::test
