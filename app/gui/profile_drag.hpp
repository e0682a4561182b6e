// profile_drag.hpp — `--profile-drag N`: drags one key in a circle for N frames through the lab's normal edit path
// and reports frame times and the edit-to-pixels latency. The numbers behind the README's frame-time table; no test
// asserts on them (STYLE.md: timings live in benchmarks).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/scene.hpp"

namespace attnscope::gui {

class Lab;

class DragProfiler {
  public:
    explicit DragProfiler(int frames) : m_frames(frames) {}
    void before_frame(Lab& lab, int frame);  // emits the drag edit of this frame
    // frame_ms: the whole frame (UI + GL + swap); ui_ms: lab.frame() and ImGui::Render() only (CPU, no GL).
    void after_frame(Lab& lab, int frame, double frame_ms, double ui_ms);
    bool done() const { return m_frames > 0 && m_done_frames >= m_frames; }
    void print(std::FILE* out, const std::string& where, const Scene& scene) const;

  private:
    using Clock = std::chrono::steady_clock;
    struct Pending {
        std::uint64_t data_revision;
        Clock::time_point at;
        int frame;
    };
    int m_frames;
    int m_done_frames = 0;
    std::uint64_t m_gesture = 0;
    std::vector<double> m_start;
    std::vector<double> m_frame_ms, m_ui_ms, m_latency_ms, m_pass_ms;
    std::vector<int> m_latency_frames;
    std::vector<Pending> m_pending;
};

}  // namespace attnscope::gui
