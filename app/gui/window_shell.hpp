// window_shell.hpp — the desktop window: GLFW + OpenGL 3.3 + Dear ImGui around one Lab.
//
// Restores the window geometry, UI scale and the last scene from the settings; saves them on exit (atomically).
// Sleeps in glfwWaitEventsTimeout when nothing changes; the compute worker wakes it with glfwPostEmptyEvent.
// F12 and panel PNGs are read from the back buffer before the swap, so they are exactly what is on screen.
#pragma once

#include <string>

#include "app/gui/settings.hpp"
#include "core/scene.hpp"

namespace attnscope::gui {

struct WindowOptions {
    std::string scene_path;     // the file `scene` came from ("" = untitled or restored)
    bool persist = true;        // save settings and the last scene on exit
    int width = 0, height = 0;  // 0: from the settings
    float ui_scale = 0.0f;      // 0: settings, else the monitor's content scale
    int profile_drag = 0;       // > 0: drag a key for N frames, print timings, exit
    std::string status;         // first status-bar message (e.g. why the last scene could not be restored)
    std::string screenshot;     // non-empty: once the maps are drawn, save the window there (as F12 does) and exit
    std::string tab = "variants";  // the main tab shown first (view_registry.cpp ids)
};

// Whether a window can be opened; when not, `why` says what is missing (e.g. "DISPLAY is not set").
bool display_available(std::string& why);

// Runs until the window closes. Returns the process exit code.
int run_window(Scene scene, LabSettings settings, const WindowOptions& options);

}  // namespace attnscope::gui
