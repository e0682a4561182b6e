// lab.hpp — the attention lab: one scene, its undo history, the compute scheduler, and the frame that draws every
// view. The window (window_shell.cpp), `attnscope render` (render_headless.cpp) and the GUI tests all drive this
// same class: call frame() between ImGui::NewFrame() and ImGui::Render(), then serve its requests (screenshots,
// font rebuilds) after rendering.
//
// Per frame: swap in the newest results and upload changed textures; draw the views (they emit edits and write UI
// state); apply the edits between frames (undoable, revision++); submit a compute request when the scene or a
// panel's display changed. When recent passes were cheap the lab waits a few milliseconds for the new result, so a
// small scene follows a drag in the very next frame; otherwise the maps show the previous result and the status bar
// says "computing".
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/gui/scheduler.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/theme.hpp"
#include "app/gui/view_context.hpp"
#include "core/scene_history.hpp"

namespace attnscope::gui {

struct LabOptions {
    Scheduler::Mode mode = Scheduler::Mode::Async;
    double same_frame_budget_ms = 6.0;  // longest wait for a cheap recompute; 0: never wait
    bool system_fonts = true;
    bool want_implied = true;  // the implied-temperature pass (a bisection per row); tests of long scenes turn it off
    std::string initial_tab = "variants";
};

// Native key codes the shortcuts use: GLFW's numbering (letters are ASCII). The headless and test paths feed the
// same codes through io.KeysDown.
namespace keys {
inline constexpr int kB = 66, kL = 76, kO = 79, kQ = 81, kS = 83, kY = 89, kZ = 90, k0 = 48;
inline constexpr int kEscape = 256, kF1 = 290, kF12 = 301;
}  // namespace keys

class Lab {
  public:
    Lab(Scene scene, LabSettings settings, TextureStore& textures, LabOptions options = {});
    ~Lab();
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    // Fonts and style for the current ImGui context (call once after creating it, and after a UI-scale change).
    void init_style(float ui_scale);

    void frame(double time_s);

    // After the frame is rendered: requests for the shell.
    bool wants_quit() const { return m_ui.want_quit; }
    bool take_screenshot_request() { return std::exchange(m_ui.want_screenshot, false); }
    std::string take_panel_request() { return std::exchange(m_ui.want_panel_png, {}); }
    float take_ui_scale_request() { return std::exchange(m_ui.request_ui_scale, 0.0f); }
    void report_saved(const std::string& what, const std::string& path);
    void report_error(const std::string& title, const std::string& text);
    // The shell's measured frame time (UI work + rendering + swap, not the wait for events): shown in the status bar.
    void report_frame_ms(double ms) { m_frame_ms = m_frame_ms == 0.0 ? ms : 0.8 * m_frame_ms + 0.2 * ms; }

    // Emits an edit as if a view had (profiling, tests); applied at the end of the next frame.
    void inject(SceneEdit e) { m_edits.emit(std::move(e)); }

    // True when the results match the scene and every panel's display request (the headless render waits for it).
    bool settled() const;

    bool open_scene(const std::string& path);                // false: error modal, current scene unchanged
    bool save_scene(const std::string& path);                // false: error modal
    std::string figure_path(const std::string& what) const;  // <figures dir>/attnscope-<what>-<time>.png

    const Scene& scene() const { return m_scene; }
    Scene& scene_for_tests() { return m_scene; }
    SceneHistory& history() { return m_history; }
    UiState& ui() { return m_ui; }
    LabSettings& settings() { return m_settings; }
    const Theme& theme() const { return m_theme; }
    LayoutRecorder& layout() { return m_layout; }
    const ResultSet* results() const { return m_results.get(); }
    Scheduler& scheduler() { return m_scheduler; }
    const std::string& scene_path() const { return m_scene_path; }
    void set_scene_path(std::string p) { m_scene_path = std::move(p); }
    std::uint64_t submitted_request() const { return m_request_id; }

  private:
    void swap_results();
    void handle_shortcuts(ViewContext& ctx);
    void draw_main(ViewContext& ctx);
    void apply_edits(ViewContext& ctx);
    void serve_file_requests();
    ComputeRequest build_request() const;
    std::uint64_t request_signature(const ComputeRequest& r) const;
    void submit_if_needed();

    Scene m_scene;
    SceneHistory m_history;
    LabSettings m_settings;
    TextureStore& m_textures;
    LabOptions m_options;
    Scheduler m_scheduler;
    Theme m_theme;
    UiState m_ui;
    EditSink m_edits;
    LayoutRecorder m_layout;
    std::shared_ptr<const ResultSet> m_results;
    std::uint64_t m_request_id = 0;
    std::uint64_t m_request_sig = 0;
    std::string m_scene_path;
    std::uint64_t m_saved_revision = 0;
    std::string m_drawn_tab;  // the tab drawn last frame (a different ui.main_tab selects a tab from code)
    double m_time = 0.0, m_fps = 0.0, m_frame_ms = 0.0;
};

}  // namespace attnscope::gui
