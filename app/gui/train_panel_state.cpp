#include "app/gui/train_panel_state.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "core/errors.hpp"
#include "core/model/attention_ops.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::gui {

// =====================================================================================================================
// [SECTION] Setup
// =====================================================================================================================
const std::vector<VariantKind>& trainable_variants() {
    static const std::vector<VariantKind> v = [] {
        std::vector<VariantKind> out;
        for (VariantKind k : all_variant_kinds())
            if (model::variant_trainable(k)) out.push_back(k);
        return out;
    }();
    return v;
}

void TrainSetup::validate() const {
    if (variants.empty()) throw InputError("Variants", "none is chosen", "tick at least one variant to train");
    if (static_cast<int>(variants.size()) > kMaxTrainSessions)
        throw InputError("Variants", std::to_string(variants.size()) + " are chosen",
                         "train at most " + std::to_string(kMaxTrainSessions) + " at once");
    for (std::size_t i = 0; i < variants.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (variants[i] == variants[j])
                throw InputError("Variants", std::string(variant_name(variants[i])) + " is chosen twice",
                                 "choose each variant once");
    if (threads < 0 || threads > 64) throw InputError("Threads", "is out of range", "use 0 (automatic) to 64");
    // The model's and the optimizer's own checks name their fields (d_model, --lr, ...): run them now so that a bad
    // setup never replaces running sessions.
    const auto t = tasks::make_task(task);
    if (seq_len < t->min_length())
        throw InputError("Sequence length", std::to_string(seq_len) + " is shorter than " + task + " allows",
                         "use at least " + std::to_string(t->min_length()));
    for (VariantKind v : variants) train_config(*this, static_cast<int>(t->vocab().size()), v).validate();
    train_options(*this).validate();
}

model::ModelConfig train_config(const TrainSetup& s, int vocab, VariantKind variant) {
    model::ModelConfig c;
    c.vocab = vocab;
    c.d_model = s.d_model;
    c.n_layers = s.layers;
    c.n_heads = s.heads;
    c.d_ff = s.d_ff > 0 ? s.d_ff : 4 * s.d_model;
    c.train_len = s.seq_len;
    c.max_positions = s.seq_len;
    c.positions = s.rope ? model::PositionKind::Rope : model::PositionKind::Learned;
    c.variant = variant;
    return c;
}

training::TrainOptions train_options(const TrainSetup& s) {
    training::TrainOptions o;
    o.steps = s.steps;
    o.batch = s.batch;
    o.seq_len = s.seq_len;
    o.lr = s.lr;
    o.seed = s.seed;
    // Short runs: warm-up and evaluation scale with the run so that a 200-step run still warms up and shows a
    // test-accuracy curve (the CLI's defaults, 100 and 200, are sized for thousands of steps).
    o.warmup = std::clamp(s.steps / 10, 1, 100);
    o.eval_every = std::clamp(s.steps / 10, 10, 200);
    o.test_size = 128;
    return o;
}

int threads_per_session(const TrainSetup& s, int cores) {
    if (s.threads > 0) return s.threads;
    const int n = std::max(1, static_cast<int>(s.variants.size()));
    return std::max(1, cores / n);
}

std::filesystem::path session_checkpoint_path(const std::filesystem::path& dir, const std::string& task,
                                              VariantKind variant, int step) {
    std::string t = task;
    for (char& ch : t)
        if (ch == ':' || ch == ',' || ch == '=' || ch == '/') ch = '_';
    return dir / (t + "_" + std::string(variant_name(variant)) + "_step" + std::to_string(step) + ".safetensors");
}

// =====================================================================================================================
// [SECTION] Sessions
// =====================================================================================================================
TrainPanelState::~TrainPanelState() { clear(); }

void TrainPanelState::start(const TrainSetup& setup) {
    setup.validate();
    const auto task = tasks::make_task(setup.task);
    // The probe: the first sequence of the task's fixed test set at the training length (the same for every variant,
    // so their maps are comparable).
    const tasks::TaskBatch probe = tasks::test_set(*task, setup.seq_len, 1);
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int threads = threads_per_session(setup, cores);
    std::vector<std::unique_ptr<training::TrainSession>> sessions;
    for (VariantKind v : setup.variants) {
        auto s = std::make_unique<training::TrainSession>(train_config(setup, static_cast<int>(task->vocab().size()), v),
                                                          setup.task, train_options(setup), probe.tokens);
        s->set_threads(threads);
        sessions.push_back(std::move(s));
    }
    clear();
    m_sessions = std::move(sessions);
    m_variants = setup.variants;
    m_setup = setup;
}

void TrainPanelState::clear() {
    m_sessions.clear();  // each destructor stops and joins its thread
    m_variants.clear();
    m_running = false;
}

void TrainPanelState::run_all(bool run) {
    for (auto& s : m_sessions) s->set_paused(!run);
    m_running = run && !m_sessions.empty();
}

void TrainPanelState::step_all() {
    for (auto& s : m_sessions) s->step_once();
    m_running = false;
}

void TrainPanelState::reset_all() {
    for (auto& s : m_sessions) s->reset();
    m_running = false;
}

std::vector<std::filesystem::path> TrainPanelState::save_all(const std::filesystem::path& dir) {
    if (m_sessions.empty()) throw InputError("Save", "there is nothing to save", "start a training run first");
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec)
            throw InputError({dir.string(), "Save folder", "cannot be created (" + ec.message() + ")",
                              "choose a folder you can write to"});
    }
    std::vector<std::filesystem::path> paths;
    for (int i = 0; i < size(); ++i)
        paths.push_back(session_checkpoint_path(dir, m_setup.task, variant(i), snapshot(i)->step));
    for (const auto& p : paths) check_writable(p, "Save folder");  // all checked before any is queued
    for (int i = 0; i < size(); ++i) session(i).save(paths[static_cast<std::size_t>(i)]);
    return paths;
}

bool TrainPanelState::all_finished() const {
    if (m_sessions.empty()) return false;
    for (const auto& s : m_sessions)
        if (!s->snapshot()->finished) return false;
    return true;
}

// =====================================================================================================================
// [SECTION] Curves
// =====================================================================================================================
Curve extract_curve(const std::vector<training::LogEntry>& log, CurveMetric metric) {
    Curve c;
    c.x.reserve(log.size());
    c.y.reserve(log.size());
    for (const training::LogEntry& e : log) {
        double y = 0;
        switch (metric) {
            case CurveMetric::Loss: y = e.loss; break;
            case CurveMetric::Accuracy: y = e.accuracy; break;
            case CurveMetric::TestAccuracy:
                if (e.test_accuracy < 0) continue;
                y = e.test_accuracy;
                break;
        }
        // The trainer writes an entry when it evaluates too, possibly at the step of the previous entry: keep the
        // later one so x stays strictly ascending.
        if (!c.x.empty() && c.x.back() == e.step) {
            c.y.back() = y;
            continue;
        }
        c.x.push_back(e.step);
        c.y.push_back(y);
    }
    return c;
}

Curve decimate_curve(const Curve& c, int buckets) {
    const std::size_t n = c.x.size();
    if (buckets < 1 || n <= static_cast<std::size_t>(2 * buckets)) return c;
    Curve out;
    const double x0 = c.x.front(), span = std::max(c.x.back() - x0, 1e-300);
    std::size_t i = 0;
    for (int b = 0; b < buckets && i < n; ++b) {
        const double end = x0 + span * (b + 1) / buckets;
        const std::size_t first = i;
        std::size_t lo = i, hi = i;
        for (; i < n && (c.x[i] <= end || b == buckets - 1); ++i) {
            if (c.y[i] < c.y[lo]) lo = i;
            if (c.y[i] > c.y[hi]) hi = i;
        }
        if (i == first) continue;  // no point in this span
        if (lo == hi) {
            out.x.push_back(c.x[lo]);
            out.y.push_back(c.y[lo]);
        } else {
            const std::size_t a = std::min(lo, hi), z = std::max(lo, hi);
            out.x.push_back(c.x[a]);
            out.y.push_back(c.y[a]);
            out.x.push_back(c.x[z]);
            out.y.push_back(c.y[z]);
        }
    }
    return out;
}

CurveRange curve_range(const std::vector<Curve>& curves) {
    double x1 = 0, y0 = std::numeric_limits<double>::infinity(), y1 = -y0;
    for (const Curve& c : curves)
        for (std::size_t i = 0; i < c.x.size(); ++i) {
            if (!std::isfinite(c.y[i])) continue;
            x1 = std::max(x1, c.x[i]);
            y0 = std::min(y0, c.y[i]);
            y1 = std::max(y1, c.y[i]);
        }
    CurveRange r;
    r.x1 = x1 > 0 ? x1 : 1;
    if (!(y0 <= y1)) return r;  // nothing finite
    const double span = y1 - y0 > 0 ? y1 - y0 : 1.0;
    r.y0 = y0 - 0.05 * span;
    r.y1 = y1 + 0.05 * span;
    if (y1 - y0 <= 0) r.y0 = y0 - 0.5, r.y1 = y1 + 0.5;
    return r;
}

}  // namespace attnscope::gui
