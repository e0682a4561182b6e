// scheduler.hpp — computes the newest scene revision off the UI thread (DESIGN.md data flow).
//
// The UI submits a ComputeRequest after every applied edit (and when a panel's size or viewport changes); the worker
// keeps only the newest pending request, so stale work is dropped, and publishes an immutable ResultSet the UI swaps
// in. A pass first computes what a frame needs (maps, metrics, images), publishes, then fills in the implied
// temperature column by column, abandoning that slow part as soon as a newer request is waiting. Results are cached
// by key, so a request that changes one column's parameters recomputes that column only.
//
// Mode::Sync runs the same pass inside submit(): `attnscope render` and the tests draw exactly what the window
// draws, deterministically.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/gui/lab_compute.hpp"
#include "app/gui/lab_session.hpp"

namespace attnscope::gui {

// Up to this length a pass runs single-threaded (see Scheduler::process).
inline constexpr int kSerialMaxN = 1024;
// The implied-temperature pass starts once no new request came for this long (a drag sends one per frame).
inline constexpr int kImpliedDebounceMs = 120;

class Scheduler {
  public:
    enum class Mode { Async, Sync };
    explicit Scheduler(Mode mode = Mode::Async);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Replaces any pending request (async) or computes it now (sync). request_id must grow.
    void submit(ComputeRequest request);

    // The newest published results; nullptr before the first pass finishes.
    std::shared_ptr<const ResultSet> latest() const;

    // True when nothing is pending or running (the implied pass included).
    bool idle() const;

    // Waits up to timeout_ms for a result set with request_id >= id. Used to show a cheap edit in the same frame
    // (the UI passes a budget of a few ms only when recent passes were that fast), and by tests.
    bool wait_for(std::uint64_t id, double timeout_ms) const;

    // Called on the worker thread after each publish (the window posts an empty event to wake its loop).
    void set_on_publish(std::function<void()> f);

    double last_pass_ms() const;

  private:
    void worker();
    void process(const ComputeRequest& req);
    bool newer_pending(std::uint64_t id) const;
    void publish(std::shared_ptr<const ResultSet> r);

    Mode m_mode;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;       // wakes the worker
    mutable std::condition_variable m_done_cv;  // wakes wait_for
    std::optional<ComputeRequest> m_pending;
    bool m_busy = false;
    bool m_stop = false;
    std::shared_ptr<const ResultSet> m_latest;
    std::function<void()> m_on_publish;
    double m_last_pass_ms = 0.0;

    // Worker-only caches, keyed as lab_compute.hpp explains; trimmed to what the newest request uses.
    std::map<std::uint64_t, std::shared_ptr<const ColumnCompute>> m_columns;
    std::map<std::uint64_t, std::shared_ptr<const ImpliedRows>> m_implied;
    std::map<std::uint64_t, std::shared_ptr<const HeatmapImage>> m_images;
    std::map<std::uint64_t, std::shared_ptr<const NumericsResult>> m_numerics;
    LabSession m_session;

    std::thread m_thread;  // last: started after everything above exists
};

}  // namespace attnscope::gui
