// cmd_gui.cpp — `attnscope gui [--scene F]`, and `attnscope` with no subcommand: the attention lab window.
//
// With no display (no DISPLAY / WAYLAND_DISPLAY, or the X server refuses), it says so, renders the default scene
// headless to a PNG (EGL surfaceless) and prints the PNG's path, so the README's run command does something useful
// on a server too.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "app/cli/commands.hpp"
#include "app/gui/render_headless.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/view_registry.hpp"
#include "app/gui/window_shell.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/scene_io.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::cli {
namespace {

struct GuiOptions {
    std::string scene;
    std::string size;
    float scale = 0.0f;
    int profile_drag = 0;
    bool fresh = false;
    std::string screenshot;
    std::string tab = "variants";
};

// "1600x900" -> (1600, 900); throws InputError naming the option.
void parse_size(const std::string& s, int& w, int& h, const char* option) {
    if (s.empty()) return;
    int a = 0, b = 0;
    char x = 0, extra = 0;
    if (std::sscanf(s.c_str(), "%d%c%d%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X') || a < 64 || b < 64 ||
        a > 16384 || b > 16384)
        throw InputError(option, "\"" + s + "\" is not a size", "write WIDTHxHEIGHT, e.g. 1600x900 (64 to 16384)");
    w = a;
    h = b;
}

// A writable place for the no-display PNG: the current folder, else the temp folder.
std::string fallback_png_path() {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (!ec && ::access(cwd.c_str(), W_OK) == 0) return (cwd / "attnscope-default-scene.png").string();
    return (std::filesystem::temp_directory_path(ec) / "attnscope-default-scene.png").string();
}

int no_display_fallback(const std::string& why) {
    std::fprintf(stderr, "attnscope: %s, so no window can open.\n", why.c_str());
    std::fprintf(stderr,
                 "attnscope: rendering the default scene headless instead (EGL surfaceless); for the window, "
                 "run under a desktop or Xvfb: xvfb-run -a -s '-screen 0 1600x900x24 -noreset' attnscope\n");
    gui::RenderOptions ro;
    ro.out_png = fallback_png_path();
    const gui::RenderReport r = gui::render_headless(make_default_scene(), ro);
    std::printf("%s\n", r.png_path.c_str());
    return kExitOk;
}

int run_gui(const GuiOptions& o) {
    int w = 0, h = 0;
    parse_size(o.size, w, h, "--size");
    if (o.scale != 0.0f && (o.scale < 0.5f || o.scale > 4.0f))
        throw InputError("--scale", "is out of range", "use 0.5 to 4");
    // Bad input is reported before any window opens (exit 2).
    std::optional<Scene> scene;
    gui::WindowOptions wo;
    if (!o.scene.empty() && o.scene != "default") {
        scene = load_scene_file(o.scene);
        wo.scene_path = o.scene;
    } else if (o.scene == "default") {
        scene = make_default_scene();
    }
    std::string why;
    if (!gui::display_available(why)) return no_display_fallback(why);

    std::string problem;
    gui::LabSettings settings = o.fresh ? gui::LabSettings{} : gui::load_settings(gui::settings_path(), &problem);
    if (!scene && !o.fresh) {
        // The scene open at the last exit; a broken one is reported and replaced by the default scene.
        std::error_code ec;
        if (std::filesystem::exists(gui::last_scene_file(), ec)) {
            try {
                scene = load_scene_file(gui::last_scene_file());
                wo.scene_path = settings.last_scene_path;
            } catch (const InputError& e) {
                problem =
                    std::string("The last scene could not be restored (") + e.what() + "); showing the default scene.";
            }
        }
    }
    if (!scene) scene = make_default_scene();
    wo.width = w;
    wo.height = h;
    wo.ui_scale = o.scale;
    wo.profile_drag = o.profile_drag;
    wo.persist = o.profile_drag == 0 && !o.fresh && o.screenshot.empty();
    wo.screenshot = o.screenshot;
    wo.tab = o.tab;
    if (!o.screenshot.empty()) check_writable(o.screenshot, "--screenshot");
    wo.status = problem;
    return gui::run_window(std::move(*scene), std::move(settings), wo);
}

}  // namespace

void add_gui_command(CLI::App& app, CommandList& commands) {
    auto o = std::make_shared<GuiOptions>();
    CLI::App* sub = app.add_subcommand("gui", "Open the attention lab window (the default when no command is given)");
    sub->add_option("--scene", o->scene, "Scene file to open, or 'default' (otherwise the scene of the last session)");
    sub->add_option("--size", o->size, "Initial window size WIDTHxHEIGHT, e.g. 1600x900");
    sub->add_option("--scale", o->scale, "UI scale (0.5 to 4); default: the monitor's content scale");
    sub->add_flag("--fresh", o->fresh, "Ignore and keep the saved settings and last scene (start as a new user)");
    sub->add_option("--profile-drag", o->profile_drag, "Drag a key for N frames, print frame times and exit");
    sub->add_option("--screenshot", o->screenshot,
                    "Open the window, save it as this PNG once the maps are drawn (as F12 does), exit");
    sub->add_option("--tab", o->tab, "Main tab to show first: variants, difference, numerics, model, train, length")
        ->check([](const std::string& t) { return gui::find_view(t) ? std::string() : "unknown tab \"" + t + "\""; });
    commands.push_back({sub, [o] { return run_gui(*o); }});
}

int run_gui_default() { return run_gui(GuiOptions{}); }

}  // namespace attnscope::cli
