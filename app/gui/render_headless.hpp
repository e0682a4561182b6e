// render_headless.hpp — `attnscope render`: the lab's frame drawn into an offscreen framebuffer, synchronously.
//
// Same Lab, same views, same scheduler code as the window (Mode::Sync: every pass finishes inside the frame), so the
// PNG shows what the window would show for that scene and size. Frames are drawn until the results, the textures and
// the ImGui layout have settled, then read back.
#pragma once

#include <string>

#include "core/scene.hpp"

namespace attnscope::gui {

struct RenderOptions {
    std::string out_png;  // required
    int width = 1600, height = 900;
    std::string panel;        // "": the whole window; else a panel name (see --layout), e.g. "dpa", "canvas"
    std::string layout_json;  // "": none
    std::string tab = "variants";
    float ui_scale = 1.0f;
    bool light = false;
    std::string colormap;  // "": the scene's
    std::string backend;   // "": the default
    int lock_query = -2;   // -2: the scene's; -1: none; else that row
    int profile_drag = 0;  // > 0: drag a key for this many frames and print frame timings instead of settling
};

struct RenderReport {
    std::string png_path;
    std::string gl;  // which context rendered it
    int frames = 0;
};

// Throws InputError (exit 2) for bad options (unwritable paths, unknown panel or tab); nothing is written then.
RenderReport render_headless(const Scene& scene, const RenderOptions& options);

}  // namespace attnscope::gui
