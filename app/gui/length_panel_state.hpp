// length_panel_state.hpp — the Length view's work, without ImGui or GL (issue 5, part 8): a queue of (model, length)
// points evaluated on a worker thread (loss, exact accuracy, entropy and effective support per position, as
// `attnscope lengths`), with progress, cancel, and the same CSV files the CLI writes.
//
// Checkpoints are loaded and validated on the caller's thread before anything changes: a bad file throws InputError
// and the previous results stay. Cancel takes effect between points (a point is one evaluate_at_length call).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/training/checkpoint.hpp"
#include "core/training/length_table.hpp"

namespace attnscope::gui {

struct LengthJobSpec {
    std::vector<std::string> model_paths;
    std::vector<int> factors{1, 2, 4, 8, 16};  // multiples of each model's own training length
    std::vector<int> lengths;                  // explicit lengths; when non-empty they replace the factors
    int samples = 64;                          // test sequences per point
};

struct LengthModelInfo {
    std::string path, name;  // name: the file name (the CSV's model column)
    std::string variant, task;
    int train_len = 0;
};

struct LengthEntry {
    int model = 0;  // index into LengthResults::models
    training::LengthRow row;
    std::string note;  // why the point is not available ("learned positions end at 64", an evaluation error)
};

struct LengthResults {
    std::uint64_t revision = 0;
    std::vector<LengthModelInfo> models;
    std::vector<LengthEntry> entries;  // evaluated so far, model-major, lengths ascending
    int done = 0, total = 0;
    bool finished = false, cancelled = false;
    double seconds = 0.0;
};

// The points a spec asks for, per loaded checkpoint: (model index, length), model-major, lengths ascending and
// unique per model.
std::vector<std::pair<int, int>> plan_length_points(const std::vector<training::Checkpoint>& models,
                                                    const LengthJobSpec& spec);

class LengthJob {
  public:
    ~LengthJob();  // cancels and joins

    // Loads every checkpoint (throws InputError naming the file; nothing changes then), cancels a running job and
    // starts the new one on a worker thread.
    void start(const LengthJobSpec& spec);
    void cancel();  // the worker stops before its next point; results keep what was done
    bool running() const { return m_running.load(); }
    std::shared_ptr<const LengthResults> results() const;
    void wait();  // joins the worker (tests; the UI never waits)

  private:
    void run(std::vector<training::Checkpoint> cks, std::vector<std::pair<int, int>> plan, int samples);

    mutable std::mutex m_mutex;
    std::shared_ptr<const LengthResults> m_results = std::make_shared<LengthResults>();
    std::atomic<bool> m_cancel{false}, m_running{false};
    std::thread m_thread;
};

// The CLI's two CSV files for a set of results (training::length_csv_row / length_positions_csv_rows).
std::string length_results_csv(const LengthResults& r);
std::string length_results_positions_csv(const LengthResults& r);
// Writes the table to `path` (and, when positions_path is non-empty, the per-position file) atomically, each path
// checked writable before either is written. Throws InputError (field "CSV file") otherwise.
void export_length_csv(const LengthResults& r, const std::filesystem::path& path,
                       const std::filesystem::path& positions_path = {});

}  // namespace attnscope::gui
