// train_session.hpp — one training run in a background thread, controllable from the UI (the Train view; issue 5,
// part 7): start, pause, single-step, save, reset. The UI thread never touches the trainer: it reads immutable
// snapshots (curves, and the maps, entropy and temperature of every head on a fixed probe sequence) and posts
// commands. Snapshots are refreshed at most every 0.2 s while running (a frame never waits on training).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trainer.hpp"

namespace attnscope::training {

struct SessionSnapshot {
    std::uint64_t revision = 0;  // grows with every refresh
    int step = 0, total = 0;
    bool paused = true, finished = false;
    std::string error;    // training failed (e.g. diverged); the session stops
    std::string message;  // last save or reset, for the status bar
    double tokens_per_s = 0.0;
    double test_accuracy = -1.0;  // last evaluation
    std::vector<LogEntry> log;
    std::vector<int> probe_tokens;
    int layers = 0, heads = 0;
    std::vector<MatF> maps;                             // [layer * heads + head] (n, n) on the probe sequence
    std::vector<std::vector<double>> entropy;           // per map, per query (nats)
    std::vector<std::vector<double>> temperature;       // per map, per query: entropy-matched (spec §7); NaN = none
};

class TrainSession {
public:
    // probe_tokens: the fixed sequence whose maps are shown (e.g. the first test sequence of the task).
    TrainSession(model::ModelConfig config, std::string task, TrainOptions options, std::vector<int> probe_tokens);
    ~TrainSession();  // stops and joins the thread
    TrainSession(const TrainSession&) = delete;
    TrainSession& operator=(const TrainSession&) = delete;

    void set_paused(bool paused);
    void step_once();                                // while paused: one step, then pause again
    void reset();  // back to step 0 with the same seed (a fresh model), paused
    void save(const std::filesystem::path& path);    // resumable checkpoint, written atomically by the worker
    std::shared_ptr<const SessionSnapshot> snapshot() const;
    // OpenMP threads of this session's steps (0: the OpenMP default). OpenMP's thread count is per thread, so only
    // the worker can set it; several sessions side by side (the Train view) each take a share of the cores.
    void set_threads(int threads) { m_threads = threads; }

    const model::ModelConfig& config() const { return m_config; }
    const std::string& task() const { return m_task; }

private:
    void run();
    void refresh(Trainer& t, double tokens_per_s, double test_accuracy, const std::string& message);

    model::ModelConfig m_config;
    std::string m_task;
    TrainOptions m_options;
    std::vector<int> m_probe;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false, m_paused = true, m_reset = false;
    int m_single = 0;
    std::vector<std::filesystem::path> m_saves;
    std::shared_ptr<const SessionSnapshot> m_snapshot;
    std::atomic<int> m_threads{0};
    std::thread m_thread;
};

// Per-query entropy and entropy-matched temperature of one causal map, against the DPA logits q k^T / sqrt(d).
void map_diagnostics(const MatF& w, const MatF& q, const MatF& k, std::vector<double>& entropy,
                     std::vector<double>& temperature);

}  // namespace attnscope::training
