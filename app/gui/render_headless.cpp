#include "app/gui/render_headless.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "app/gui/frame_capture.hpp"
#include "app/gui/gl.hpp"
#include "app/gui/gl_textures.hpp"
#include "app/gui/headless_gl.hpp"
#include "app/gui/lab.hpp"
#include "app/gui/profile_drag.hpp"
#include "app/gui/view_registry.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"

namespace attnscope::gui {
namespace {

// ImGui context for the duration of a render (no platform backend: display size and time are set by hand).
struct ImGuiSession {
    ImGuiSession(int w, int h) {
        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
        io.DisplayFramebufferScale = ImVec2(1, 1);
        io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    }
    ~ImGuiSession() {
        if (gl_ready) ImGui_ImplOpenGL3_Shutdown();
        ImGui::DestroyContext();
    }
    bool gl_ready = false;
};

}  // namespace

RenderReport render_headless(const Scene& scene, const RenderOptions& o) {
    if (o.width < 64 || o.height < 64 || o.width > 16384 || o.height > 16384)
        throw InputError("--size", std::to_string(o.width) + "x" + std::to_string(o.height) + " is out of range",
                         "use a size from 64x64 to 16384x16384, e.g. 1600x900");
    if (!find_view(o.tab)) {
        std::string names;
        for (const ViewEntry& v : view_registry()) names += (names.empty() ? "" : ", ") + std::string(v.id);
        throw InputError("--tab", "unknown tab \"" + o.tab + "\"", "use one of: " + names);
    }
    if (!(o.ui_scale >= 0.5f && o.ui_scale <= 4.0f)) throw InputError("--scale", "is out of range", "use 0.5 to 4");
    if (o.profile_drag == 0) check_writable(o.out_png, "--out");
    if (!o.layout_json.empty()) check_writable(o.layout_json, "--layout");

    HeadlessGl gl(o.width, o.height);
    ImGuiSession session(o.width, o.height);
    if (!ImGui_ImplOpenGL3_Init("#version 330"))
        throw std::runtime_error("ImGui's OpenGL 3 renderer failed to start (" + gl.description() + ")");
    session.gl_ready = true;

    LabSettings settings;
    settings.light_theme = o.light;
    settings.backend = o.backend;
    Scene s = scene;
    if (!o.colormap.empty()) s.view.colormap = o.colormap;
    if (o.lock_query >= -1) s.view.locked_query = std::min(o.lock_query, s.n() - 1);
    GlTextureStore textures;
    LabOptions lo;
    lo.mode = o.profile_drag > 0 ? Scheduler::Mode::Async : Scheduler::Mode::Sync;
    lo.same_frame_budget_ms = o.profile_drag > 0 ? 6.0 : 0.0;
    lo.initial_tab = o.tab;
    Lab lab(std::move(s), settings, textures, lo);
    lab.init_style(o.ui_scale);

    RenderReport report;
    report.gl = gl.description();
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    DragProfiler profiler(o.profile_drag);
    double t = 0.0;
    int settled_frames = 0;
    const int max_frames = o.profile_drag > 0 ? o.profile_drag + 8 : 40;
    for (int f = 0; f < max_frames; ++f) {
        const auto f0 = Clock::now();
        ImGuiIO& io = ImGui::GetIO();
        io.DeltaTime = 1.0f / 60.0f;
        t += io.DeltaTime;
        if (o.profile_drag > 0) profiler.before_frame(lab, f);
        ImGui_ImplOpenGL3_NewFrame();
        ImGui::NewFrame();
        lab.frame(t);
        ImGui::Render();
        if (o.profile_drag > 0 && f == 10 && std::getenv("ATTNSCOPE_DRAW_STATS")) {
            const ImDrawData* dd = ImGui::GetDrawData();
            int cmds = 0;
            for (int l = 0; l < dd->CmdListsCount; ++l) cmds += dd->CmdLists[l]->CmdBuffer.Size;
            std::printf("draw data: %d lists, %d commands, %d vertices, %d indices\n", dd->CmdListsCount, cmds,
                        dd->TotalVtxCount, dd->TotalIdxCount);
        }
        const double ui_ms = std::chrono::duration<double, std::milli>(Clock::now() - f0).count();
        gl.bind();
        const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
        glClearColor(bg.x, bg.y, bg.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        glFinish();
        lab.report_frame_ms(std::chrono::duration<double, std::milli>(Clock::now() - f0).count());
        report.frames = f + 1;
        if (o.profile_drag > 0) {
            profiler.after_frame(lab, f, std::chrono::duration<double, std::milli>(Clock::now() - f0).count(), ui_ms);
            if (profiler.done()) break;
            continue;
        }
        // Settled twice in a row: results, textures and the ImGui layout are all stable.
        settled_frames = f >= 3 && lab.settled() ? settled_frames + 1 : 0;
        if (settled_frames >= 2) break;
    }
    if (o.profile_drag > 0) {
        profiler.print(stdout, "render (EGL, " + gl.description() + ")", lab.scene());
        return report;
    }
    (void)t0;

    RgbaImage image = read_framebuffer(o.width, o.height);
    if (!o.panel.empty()) {
        const PanelRecord* p = lab.layout().find(o.panel);
        if (!p) {
            std::string names;
            for (const PanelRecord& r : lab.layout().panels()) names += (names.empty() ? "" : ", ") + r.name;
            throw InputError("--panel", "no panel named \"" + o.panel + "\" in this scene", "use one of: " + names);
        }
        image = crop(image, static_cast<int>(std::lround(p->rect.x)), static_cast<int>(std::lround(p->rect.y)),
                     static_cast<int>(std::lround(p->rect.z)), static_cast<int>(std::lround(p->rect.w)));
    }
    write_png(image, o.out_png);
    report.png_path = std::filesystem::absolute(o.out_png).string();
    if (!o.layout_json.empty()) {
        nlohmann::json j = lab.layout().to_json();
        j["png"] = report.png_path;
        j["crop"] = o.panel;
        const std::string text = j.dump(1) + "\n";
        write_file_atomically(o.layout_json, [&](std::ostream& out) { out << text; });
    }
    return report;
}

}  // namespace attnscope::gui
