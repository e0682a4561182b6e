// cmd_render.cpp — `attnscope render`: draws exactly what the window draws, with no display (EGL surfaceless on
// Mesa; an error naming Xvfb when no GL context can be had), to a PNG; --layout writes each panel's rectangle and
// its map's cell geometry as JSON (the pixel tests probe cells with it).
//
//   attnscope render --scene F|default --out P.png [--size WxH] [--panel NAME] [--layout L.json]
//                    [--tab variants|difference|numerics] [--light] [--colormap viridis|cividis] [--scale S]
//                    [--lock-query I] [--backend cpu] [--profile-drag N]
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli/commands.hpp"
#include "app/gui/render_headless.hpp"
#include "core/colormap.hpp"
#include "core/errors.hpp"
#include "core/scene_io.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::cli {
namespace {

struct RenderCli {
    std::string scene;
    std::string size = "1600x900";
    gui::RenderOptions r;
};

int run_render(RenderCli o) {
    int w = 0, h = 0;
    char x = 0, extra = 0;
    if (std::sscanf(o.size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X'))
        throw InputError("--size", "\"" + o.size + "\" is not a size", "write WIDTHxHEIGHT, e.g. 1600x900");
    o.r.width = w;
    o.r.height = h;
    if (!o.r.colormap.empty() && (!parse_colormap(o.r.colormap) || o.r.colormap == "diverging"))
        throw InputError("--colormap", "unknown colour map \"" + o.r.colormap + "\"", "use viridis or cividis");
    if (o.r.out_png.empty() && o.r.profile_drag == 0)
        throw InputError("--out", "is required", "give the PNG to write, e.g. --out lab.png");
    const Scene scene = o.scene == "default" ? make_default_scene() : load_scene_file(o.scene);
    const gui::RenderReport rep = gui::render_headless(scene, o.r);
    if (!rep.png_path.empty()) std::printf("%s\n", rep.png_path.c_str());
    return kExitOk;
}

}  // namespace

void add_render_command(CLI::App& app, CommandList& commands) {
    auto o = std::make_shared<RenderCli>();
    CLI::App* sub = app.add_subcommand("render", "Draw the lab window for a scene to a PNG, without a display");
    sub->add_option("--scene", o->scene, "Scene file, or 'default'")->required();
    sub->add_option("--out", o->r.out_png, "PNG to write (atomically)");
    sub->add_option("--size", o->size, "Window size WIDTHxHEIGHT (default 1600x900)");
    sub->add_option("--panel", o->r.panel, "Save only this panel (names are in the --layout file, e.g. dpa, canvas)");
    sub->add_option("--layout", o->r.layout_json, "Write each panel's rectangle and map cell geometry as JSON");
    sub->add_option("--tab", o->r.tab, "Main tab to show: variants, difference, numerics, model, train, length");
    sub->add_flag("--light", o->r.light, "Light theme (for figures)");
    sub->add_option("--colormap", o->r.colormap, "viridis or cividis (default: the scene's)");
    sub->add_option("--scale", o->r.ui_scale, "UI scale (default 1)");
    sub->add_option("--lock-query", o->r.lock_query, "Lock this query row (-1: none; default: the scene's)");
    sub->add_option("--backend", o->r.backend, "Compute backend (default: cpu)");
    sub->add_option("--profile-drag", o->r.profile_drag,
                    "Drag a key for N frames and print frame times instead of writing a PNG");
    commands.push_back({sub, [o] { return run_render(*o); }});
}

}  // namespace attnscope::cli
