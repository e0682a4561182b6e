#include "app/gui/window_shell.hpp"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "app/gui/frame_capture.hpp"
#include "app/gui/gl.hpp"
#include "app/gui/gl_textures.hpp"
#include "app/gui/lab.hpp"
#include "app/gui/profile_drag.hpp"
#include "core/scene_io.hpp"

namespace attnscope::gui {
namespace {

void glfw_error(int code, const char* text) { std::fprintf(stderr, "attnscope: GLFW error %d: %s\n", code, text); }

// ImGui 1.86 samples io.KeysDown once per frame, so a key pressed and released between two frames (a quick tap on a
// busy machine, or a synthetic event) is never seen and F12 or Ctrl+Z would be lost. Taps are recorded here (ImGui's
// own key callback chains to this one) and replayed as one-frame presses by replay_tap().
struct KeyTap {
    int key;
    int mods;
};
std::vector<KeyTap> g_taps;

void record_tap(GLFWwindow*, int key, int, int action, int mods) {
    const bool modifier = key == GLFW_KEY_LEFT_CONTROL || key == GLFW_KEY_RIGHT_CONTROL || key == GLFW_KEY_LEFT_SHIFT ||
                          key == GLFW_KEY_RIGHT_SHIFT || key == GLFW_KEY_LEFT_ALT || key == GLFW_KEY_RIGHT_ALT ||
                          key == GLFW_KEY_LEFT_SUPER || key == GLFW_KEY_RIGHT_SUPER;
    if (action == GLFW_PRESS && !modifier && key >= 0 && key < 512) g_taps.push_back({key, mods});
}

// Before NewFrame: a tap already released is pressed for this one frame, with the modifiers it was typed with.
// Returns the key to release after the frame (-1: none).
int replay_tap() {
    ImGuiIO& io = ImGui::GetIO();
    while (!g_taps.empty()) {
        const KeyTap t = g_taps.front();
        g_taps.erase(g_taps.begin());
        if (io.KeysDown[t.key]) continue;  // still held: ImGui sees it the normal way
        io.KeysDown[t.key] = true;
        io.KeyCtrl = (t.mods & GLFW_MOD_CONTROL) != 0;
        io.KeyShift = (t.mods & GLFW_MOD_SHIFT) != 0;
        io.KeyAlt = (t.mods & GLFW_MOD_ALT) != 0;
        return t.key;
    }
    return -1;
}

void release_tap(GLFWwindow* window, int key) {
    if (key < 0) return;
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[key] = glfwGetKey(window, key) == GLFW_PRESS;
    io.KeyCtrl = glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS ||
                 glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS;
    io.KeyShift =
        glfwGetKey(window, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_SHIFT) == GLFW_PRESS;
    io.KeyAlt =
        glfwGetKey(window, GLFW_KEY_LEFT_ALT) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_ALT) == GLFW_PRESS;
}

void save_png(Lab& lab, const RgbaImage& image, const std::string& what) {
    const std::string path = lab.figure_path(what);
    try {
        write_png(image, path);
        lab.report_saved(what == "window" ? "Screenshot" : "Panel " + what, path);
    } catch (const std::exception& e) {
        lab.report_error("Could not save the PNG", e.what());
    }
}

}  // namespace

bool display_available(std::string& why) {
    const char* x = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    if ((!x || !*x) && (!wl || !*wl)) {
        why = "no display: DISPLAY and WAYLAND_DISPLAY are not set";
        return false;
    }
    glfwSetErrorCallback(nullptr);
    if (!glfwInit()) {
        why = std::string("cannot connect to the display ") + (x ? x : wl);
        return false;
    }
    return true;  // glfwInit stays done: run_window uses it
}

int run_window(Scene scene, LabSettings settings, const WindowOptions& o) {
    glfwSetErrorCallback(glfw_error);
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    if (settings.maximized) glfwWindowHint(GLFW_MAXIMIZED, GLFW_TRUE);
    const int w = o.width > 0 ? o.width : settings.window_w, h = o.height > 0 ? o.height : settings.window_h;
    GLFWwindow* window = glfwCreateWindow(w, h, "attnscope", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "attnscope: cannot create an OpenGL 3.3 window (see the GLFW error above)\n");
        glfwTerminate();
        return 1;
    }
    if (settings.window_x >= 0 && settings.window_y >= 0 && o.width == 0)
        glfwSetWindowPos(window, settings.window_x, settings.window_y);
    glfwMakeContextCurrent(window);
    glfwSwapInterval(o.profile_drag > 0 ? 0 : 1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    static std::string ini;  // ImGui keeps the pointer
    ini = config_dir() + "/imgui.ini";
    io.IniFilename = o.persist ? ini.c_str() : nullptr;
    glfwSetKeyCallback(window, record_tap);  // installed first: ImGui's callback chains to it
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330");

    float scale = o.ui_scale > 0 ? o.ui_scale : settings.ui_scale;
    if (scale <= 0) {
        float sx = 1, sy = 1;
        glfwGetWindowContentScale(window, &sx, &sy);
        scale = std::clamp(std::max(sx, sy), 1.0f, 3.0f);
    }
    int exit_code = 0;
    {
        GlTextureStore textures;
        LabOptions lo;
        lo.mode = Scheduler::Mode::Async;
        lo.initial_tab = o.tab;
        Lab lab(std::move(scene), settings, textures, lo);
        lab.set_scene_path(o.scene_path);
        lab.init_style(scale);
        if (!o.status.empty()) lab.ui().status = o.status;
        lab.scheduler().set_on_publish([] { glfwPostEmptyEvent(); });
        DragProfiler profiler(o.profile_drag);
        int frame = 0;
        int settled_frames = 0;
        const double start = glfwGetTime();
        double last_activity = glfwGetTime();
        while (!glfwWindowShouldClose(window) && !lab.wants_quit()) {
            // Sleep when nothing moves: blinking, pending results and the first frames keep the loop awake.
            const bool animate = o.profile_drag > 0 || !o.screenshot.empty() || frame < 5 || lab.ui().blink ||
                                 !lab.settled() || glfwGetTime() - last_activity < 0.5;
            if (animate)
                glfwPollEvents();
            else
                glfwWaitEventsTimeout(lab.ui().wake_interval_s);
            if (ImGui::GetIO().WantCaptureMouse || ImGui::IsMouseDown(0) || ImGui::GetIO().MouseWheel != 0)
                last_activity = glfwGetTime();
            if (const float s = lab.take_ui_scale_request(); s > 0) {
                lab.init_style(s);
                lab.settings().ui_scale = s;
                ImGui_ImplOpenGL3_DestroyFontsTexture();
                ImGui_ImplOpenGL3_CreateFontsTexture();
            }
            const double f0 = glfwGetTime();
            if (o.profile_drag > 0) profiler.before_frame(lab, frame);
            const int tapped = replay_tap();
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            lab.frame(glfwGetTime());
            ImGui::Render();
            release_tap(window, tapped);
            const double ui_ms = (glfwGetTime() - f0) * 1000.0;
            int fw = 0, fh = 0;
            glfwGetFramebufferSize(window, &fw, &fh);
            glViewport(0, 0, fw, fh);
            const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
            glClearColor(bg.x, bg.y, bg.z, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
            // --screenshot: after the results and layout have settled for a few frames (at most ~20 s).
            if (!o.screenshot.empty()) settled_frames = lab.settled() && frame > 3 ? settled_frames + 1 : 0;
            const bool scripted = !o.screenshot.empty() && (settled_frames >= 3 || glfwGetTime() - start > 20.0);
            const bool shot = lab.take_screenshot_request();
            const std::string panel = lab.take_panel_request();
            if (shot || !panel.empty()) {
                glReadBuffer(GL_BACK);
                const RgbaImage image = read_framebuffer(fw, fh);
                if (shot) save_png(lab, image, "window");
                if (!panel.empty()) {
                    if (const PanelRecord* p = lab.layout().find(panel))
                        save_png(lab,
                                 crop(image, static_cast<int>(p->rect.x), static_cast<int>(p->rect.y),
                                      static_cast<int>(p->rect.z), static_cast<int>(p->rect.w)),
                                 panel);
                }
            }
            if (scripted) {
                glReadBuffer(GL_BACK);
                const RgbaImage image = read_framebuffer(fw, fh);
                try {
                    write_png(image, o.screenshot);
                    std::printf("%s\n", o.screenshot.c_str());
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "attnscope: %s\n", e.what());
                    exit_code = 2;
                }
                break;
            }
            if (o.profile_drag > 0) glFinish();
            glfwSwapBuffers(window);
            lab.report_frame_ms((glfwGetTime() - f0) * 1000.0);
            if (o.profile_drag > 0) {
                profiler.after_frame(lab, frame, (glfwGetTime() - f0) * 1000.0, ui_ms);
                if (profiler.done()) break;
            }
            ++frame;
        }
        if (o.profile_drag > 0) profiler.print(stdout, "window (GLFW, async worker)", lab.scene());
        if (o.persist) {
            LabSettings out = lab.settings();
            glfwGetWindowPos(window, &out.window_x, &out.window_y);
            glfwGetWindowSize(window, &out.window_w, &out.window_h);
            out.maximized = glfwGetWindowAttrib(window, GLFW_MAXIMIZED) == GLFW_TRUE;
            out.last_scene_path = lab.scene_path();
            try {
                save_settings(out, settings_path());
                save_scene_file(lab.scene(), last_scene_file());
            } catch (const std::exception& e) {
                std::fprintf(stderr, "attnscope: could not keep the settings for the next start: %s\n", e.what());
            }
        }
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace attnscope::gui
