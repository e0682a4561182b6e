// train_panel_state.hpp — what the Train view drives, without ImGui or GL (issue 5, part 7): up to six
// TrainSessions on one task with the same sizes, one per variant, started, paused, stepped, saved and reset
// together; and the curves drawn from their training logs (step -> loss / accuracy), decimated for the screen.
//
// The sessions train on their own threads (core/training/train_session.hpp); the UI thread only reads snapshots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/model/model_config.hpp"
#include "core/training/train_session.hpp"
#include "core/variant_kind.hpp"

namespace attnscope::gui {

inline constexpr int kMaxTrainSessions = 6;

// Every choice of the Train view's setup panel. The defaults learn `copy` in well under a minute on 2 cores.
struct TrainSetup {
    std::string task = "copy";
    std::vector<VariantKind> variants{VariantKind::Dpa, VariantKind::Lssar};
    int layers = 1, heads = 2, d_model = 32, d_ff = 0;  // d_ff 0: 4 * d_model
    int seq_len = 16, batch = 16, steps = 600;
    double lr = 3e-3;
    std::uint64_t seed = 1;
    int threads = 0;  // per session; 0: the cores shared out between the sessions (at least 1 each)
    bool rope = true;

    // Throws InputError (field named as in the view, e.g. "Variants") before any session exists.
    void validate() const;
};

// The variants a model can be trained with (the spec's trainable set), in the view's order.
const std::vector<VariantKind>& trainable_variants();

model::ModelConfig train_config(const TrainSetup& s, int vocab, VariantKind variant);
training::TrainOptions train_options(const TrainSetup& s);
int threads_per_session(const TrainSetup& s, int cores);  // s.threads, or max(1, cores / sessions)

// The file a session's checkpoint goes to: <dir>/<task>_<variant>_step<N>.safetensors (task ':' and ',' -> '_').
std::filesystem::path session_checkpoint_path(const std::filesystem::path& dir, const std::string& task,
                                              VariantKind variant, int step);

class TrainPanelState {
  public:
    ~TrainPanelState();  // stops every session (joins their threads)

    // Builds a session per variant (validating everything first); only when all of them could be made are the old
    // sessions replaced. Throws InputError and leaves the current sessions untouched otherwise. Starts paused.
    void start(const TrainSetup& setup);
    void clear();

    void run_all(bool run);  // resume or pause every session
    void step_all();         // one step each (pauses)
    void reset_all();        // back to step 0, paused (same seeds)
    // Saves every session's resumable checkpoint into `dir` (checked writable first; throws InputError).
    // Returns the paths; the sessions write them on their threads (their snapshots' message says when).
    std::vector<std::filesystem::path> save_all(const std::filesystem::path& dir);

    int size() const { return static_cast<int>(m_sessions.size()); }
    bool empty() const { return m_sessions.empty(); }
    VariantKind variant(int i) const { return m_variants[static_cast<std::size_t>(i)]; }
    training::TrainSession& session(int i) { return *m_sessions[static_cast<std::size_t>(i)]; }
    std::shared_ptr<const training::SessionSnapshot> snapshot(int i) const {
        return m_sessions[static_cast<std::size_t>(i)]->snapshot();
    }
    const TrainSetup& setup() const { return m_setup; }  // of the running sessions
    bool running() const { return m_running; }           // last run_all(true) not yet paused
    bool all_finished() const;

  private:
    TrainSetup m_setup;
    std::vector<VariantKind> m_variants;
    std::vector<std::unique_ptr<training::TrainSession>> m_sessions;
    bool m_running = false;
};

// ---------------------------------------------------------------------------------------------------------------------
// Curves
// ---------------------------------------------------------------------------------------------------------------------
enum class CurveMetric { Loss, Accuracy, TestAccuracy };

struct Curve {
    std::vector<double> x, y;  // step, value (same length, x ascending)
};

// The log's points of one metric (test accuracy: only entries that were evaluated).
Curve extract_curve(const std::vector<training::LogEntry>& log, CurveMetric metric);

// At most 2 * buckets points: the x range split into `buckets` equal spans, each span's minimum and maximum kept in
// x order (a single spike survives, as in the heatmaps' max-pooling). Curves with <= 2 * buckets points are returned
// as they are.
Curve decimate_curve(const Curve& c, int buckets);

struct CurveRange {
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
};
// Bounds over every curve's finite points (x0 = 0); y padded by 5 % of the span; a flat or empty set gets span 1.
CurveRange curve_range(const std::vector<Curve>& curves);

}  // namespace attnscope::gui
