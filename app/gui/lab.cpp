#include "app/gui/lab.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>

#include "app/gui/lab_backend.hpp"
#include "app/gui/view_registry.hpp"
#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/errors.hpp"
#include "core/scene_io.hpp"

namespace attnscope::gui {

// Defined in views/draw_difference.cpp: which two columns the difference view compares.
void resolve_difference_columns(const Scene& scene, int& a, int& b);

Lab::Lab(Scene scene, LabSettings settings, TextureStore& textures, LabOptions options)
    : m_scene(std::move(scene)),
      m_settings(std::move(settings)),
      m_textures(textures),
      m_options(options),
      m_scheduler(options.mode) {
    if (m_settings.backend.empty()) m_settings.backend = default_lab_backend();
    bool usable = false;
    for (const LabBackendStatus& b : lab_backends()) usable |= b.name == m_settings.backend && b.available;
    if (!usable) m_settings.backend = default_lab_backend();
    if (m_scene.view.colormap.empty()) m_scene.view.colormap = m_settings.colormap;
    m_ui.main_tab = options.initial_tab;
    m_saved_revision = m_scene.revision;
}

Lab::~Lab() = default;

void Lab::init_style(float ui_scale) {
    m_theme = make_theme(m_settings.light_theme, ui_scale);
    load_fonts(m_theme, m_options.system_fonts);
    apply_style(m_theme);
}

void Lab::report_saved(const std::string& what, const std::string& path) {
    m_ui.status = what + " saved: " + path;
    m_ui.status_time = m_time;
}

void Lab::report_error(const std::string& title, const std::string& text) {
    m_ui.error_title = title;
    m_ui.error_text = text;
    m_ui.status = title;
}

std::string Lab::figure_path(const std::string& what) const {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    std::filesystem::path dir = m_settings.figures_dir.empty() ? std::filesystem::current_path()
                                                               : std::filesystem::path(m_settings.figures_dir);
    return (dir / ("attnscope-" + what + "-" + stamp + ".png")).string();
}

// =====================================================================================================================
// [SECTION] Frame
// =====================================================================================================================

void Lab::swap_results() {
    std::shared_ptr<const ResultSet> latest = m_scheduler.latest();
    if (!latest || latest == m_results) return;
    m_results = std::move(latest);
    // Only images whose key changed are uploaded (the store compares keys).
    for (const auto& [id, slot] : m_results->columns)
        if (slot.image) m_textures.update(column_slot(id), slot.image);
    if (m_results->diff_image) m_textures.update("diff", m_results->diff_image);
    if (m_results->numerics && m_results->numerics->image) m_textures.update("numerics", m_results->numerics->image);
}

void Lab::frame(double time_s) {
    const double dt = time_s - m_time;
    m_time = time_s;
    if (dt > 0) m_fps = m_fps == 0.0 ? 1.0 / dt : 0.9 * m_fps + 0.1 / dt;
    ImGuiIO& io = ImGui::GetIO();
    if (m_theme.light != m_settings.light_theme) {  // colours only; fonts stay
        const Theme fonts = m_theme;
        m_theme = make_theme(m_settings.light_theme, fonts.scale);
        m_theme.font = fonts.font;
        m_theme.mono = fonts.mono;
        m_theme.small = fonts.small;
        apply_style(m_theme);
    }
    m_layout.begin_frame(io.DisplayFramebufferScale.x, io.DisplayFramebufferScale.y, io.DisplaySize);
    m_ui.hover = m_ui.hover_next;
    m_ui.hover_next = {};
    if (!m_ui.canvas_drag.active && !ImGui::IsAnyItemHovered()) m_ui.hovered_token = -1;
    m_ui.displays.clear();
    m_ui.wake_interval_s = 0.5;
    m_ui.view_busy = false;  // the drawn tab sets it again while its own worker computes
    swap_results();

    ViewContext ctx{
        m_scene,
        m_scene.view,
        m_results.get(),
        !m_results || m_results->data_revision != m_scene.data_revision || m_results->request_id < m_request_id,
        m_ui,
        m_edits,
        m_textures,
        m_theme,
        m_layout,
        m_settings,
        m_history.undo_label(),
        m_history.redo_label(),
        m_scene_path};
    ctx.time = time_s;
    ctx.scene_path = m_scene_path;
    ctx.scene_dirty = m_scene.revision != m_saved_revision;
    ctx.fps = m_fps;
    ctx.frame_ms = m_frame_ms;
    m_layout.panel("window", ImVec2(0, 0), io.DisplaySize);

    handle_shortcuts(ctx);
    draw_menu_bar(ctx);
    draw_main(ctx);
    draw_help_window(ctx);
    draw_about_window(ctx);
    draw_settings_window(ctx);

    apply_edits(ctx);
    serve_file_requests();
    if (!m_ui.request_backend.empty()) {
        m_settings.backend = std::exchange(m_ui.request_backend, {});
        m_ui.status = "backend: " + m_settings.backend;
    }
    submit_if_needed();
}

void Lab::handle_shortcuts(ViewContext& ctx) {
    const ImGuiIO& io = ImGui::GetIO();
    const bool typing = io.WantTextInput;
    auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
    if (io.KeyCtrl && !typing) {
        if (pressed(keys::kZ)) io.KeyShift ? m_edits.redo() : m_edits.undo();
        if (pressed(keys::kY)) m_edits.redo();
        if (pressed(keys::k0)) m_ui.viewport = {};
        if (pressed(keys::kL)) m_settings.light_theme = !m_settings.light_theme;
        if (pressed(keys::kO)) m_ui.want_open = true;
        if (pressed(keys::kS)) (io.KeyShift ? m_ui.want_save_as : m_ui.request_save_current) = true;
        if (pressed(keys::kQ)) m_ui.want_quit = true;
    }
    if (pressed(keys::kF12)) m_ui.want_screenshot = true;
    if (pressed(keys::kF1)) m_ui.show_help = !m_ui.show_help;
    if (!typing && !io.KeyCtrl && pressed(keys::kB)) {
        m_ui.blink = !m_ui.blink;
        if (m_ui.blink) m_ui.main_tab = "difference";
    }
    if (!typing && pressed(keys::kEscape) && m_ui.error_title.empty()) {
        // Esc closes the topmost helper window first, then unlocks the query.
        if (m_ui.show_help || m_ui.show_about || m_ui.show_settings)
            m_ui.show_help = m_ui.show_about = m_ui.show_settings = false;
        else
            ctx.view.locked_query = -1;
    }
}

void Lab::draw_main(ViewContext& ctx) {
    const ImGuiIO& io = ImGui::GetIO();
    const float menu_h = ImGui::GetFrameHeight();
    const float status_h = ImGui::GetTextLineHeight() + m_theme.px(8);
    const ImVec2 pos(0, menu_h);
    const ImVec2 size(io.DisplaySize.x, io.DisplaySize.y - menu_h - status_h);
    ImGui::SetNextWindowPos(pos);
    ImGui::SetNextWindowSize(size);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
    // No background on the full-window containers: the shell clears to WindowBg, and under a software renderer
    // (Mesa llvmpipe, ~10 ns a pixel per layer) every full-screen layer costs about 15 ms a frame at 1600 x 900.
    ImGui::Begin("##lab", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
                     ImGuiWindowFlags_NoBackground);
    ImGui::PopStyleVar(2);
    const float sidebar_w = std::min(m_theme.px(330), size.x * 0.4f);
    {
        const ImVec2 a = ImGui::GetCursorScreenPos();
        const ImVec2 b(a.x + sidebar_w, a.y + ImGui::GetContentRegionAvail().y);
        ImGui::GetWindowDrawList()->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border), ImGui::GetStyle().ChildRounding);
    }
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(m_theme.px(8), m_theme.px(8)));
    ImGui::BeginChild("sidebar", ImVec2(sidebar_w, 0), false,
                      ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_AlwaysUseWindowPadding);
    ImGui::PopStyleVar();
    draw_sidebar(ctx);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild(
        "main", ImVec2(0, 0), false,
        ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoBackground);
    if (ImGui::BeginTabBar("tabs")) {
        const bool switch_from_code = m_ui.main_tab != m_drawn_tab;
        for (const ViewEntry& v : view_registry()) {
            const ImGuiTabItemFlags flags =
                switch_from_code && m_ui.main_tab == v.id ? ImGuiTabItemFlags_SetSelected : 0;
            const bool open = ImGui::BeginTabItem(v.title, nullptr, flags);
            item_tooltip(v.tooltip);
            if (open) {
                if (!switch_from_code) m_ui.main_tab = v.id;
                m_drawn_tab = v.id;
                const ImVec2 a = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
                m_layout.panel("tab:" + std::string(v.id), a, ImVec2(a.x + avail.x, a.y + avail.y));
                v.draw(ctx);
                ImGui::EndTabItem();
            }
        }
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
    ImGui::End();
    draw_status_bar(ctx, ImVec2(0, io.DisplaySize.y - status_h), ImVec2(io.DisplaySize.x, status_h));
    if (m_ui.show_metrics_overlay) {
        ImGui::SetNextWindowBgAlpha(0.85f);
        ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x - m_theme.px(250), menu_h + m_theme.px(40)), ImGuiCond_Always);
        ImGui::Begin("##frametimes", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoInputs);
        ImGui::Text("frame %.1f ms (UI + render + swap)", m_frame_ms);
        ImGui::Text("last compute pass %.2f ms", m_scheduler.last_pass_ms());
        ImGui::Text("texture uploads %d", m_textures.uploads());
        ImGui::End();
    }
}

void Lab::apply_edits(ViewContext& ctx) {
    for (int i = m_edits.take_undo(); i > 0; --i)
        if (m_history.undo(m_scene)) m_ui.status = "Undone";
    for (int i = m_edits.take_redo(); i > 0; --i)
        if (m_history.redo(m_scene)) m_ui.status = "Redone";
    for (const SceneEdit& e : m_edits.take()) {
        try {
            m_history.apply(m_scene, e);
        } catch (const InputError& err) {
            ctx.set_status(std::string("Not applied: ") + err.what());
        }
    }
    if (!m_ui.canvas_drag.active && !ImGui::IsMouseDown(ImGuiMouseButton_Left)) m_history.close_gesture();
}

void Lab::serve_file_requests() {
    if (!m_ui.request_open.empty()) open_scene(std::exchange(m_ui.request_open, {}));
    if (!m_ui.request_save.empty()) save_scene(std::exchange(m_ui.request_save, {}));
    if (std::exchange(m_ui.request_save_current, false)) {
        if (m_scene_path.empty())
            m_ui.want_save_as = true;
        else
            save_scene(m_scene_path);
    }
}

bool Lab::open_scene(const std::string& path) {
    try {
        Scene loaded = load_scene_file(path);  // the current scene is untouched until this succeeded
        auto replacement = std::make_shared<Scene>(std::move(loaded));
        const SceneView view = replacement->view;
        m_history.apply(
            m_scene, {edit::ReplaceScene{replacement}, 0, "Open " + std::filesystem::path(path).filename().string()});
        m_scene.view = view;  // a file brings its own view settings
        m_scene_path = path;
        m_saved_revision = m_scene.revision;
        m_ui.viewport = {};
        m_ui.status = "Opened " + path;
        return true;
    } catch (const InputError& e) {
        report_error("Could not open the scene", std::string(e.what()) + "\n\nThe current scene is unchanged.");
    } catch (const std::exception& e) {
        report_error("Could not open the scene", path + ": " + e.what() + "\n\nThe current scene is unchanged.");
    }
    return false;
}

bool Lab::save_scene(const std::string& path) {
    try {
        save_scene_file(m_scene, path);
        m_scene_path = path;
        m_saved_revision = m_scene.revision;
        report_saved("Scene", path);
        return true;
    } catch (const std::exception& e) {
        report_error("Could not save the scene", e.what());
    }
    return false;
}

// =====================================================================================================================
// [SECTION] Compute requests
// =====================================================================================================================

ComputeRequest Lab::build_request() const {
    ComputeRequest r;
    r.data_revision = m_scene.data_revision;
    r.tokens = m_scene.tokens;
    r.causal = m_scene.causal;
    r.columns = m_scene.columns;
    r.backend = m_settings.backend;
    r.want_implied = m_options.want_implied;
    const int n = m_scene.n();
    r.full_weights = n <= kFullWeightsMaxN || !m_ui.viewport.is_whole(n);
    for (const SceneColumn& c : m_scene.columns)
        if (auto it = m_ui.displays.find(column_slot(c.id)); it != m_ui.displays.end()) r.displays[c.id] = it->second;
    if (auto it = m_ui.displays.find("diff"); it != m_ui.displays.end()) {
        int a = -1, b = -1;
        resolve_difference_columns(m_scene, a, b);
        r.diff = DiffRequest{a, b, it->second};
    }
    if (auto it = m_ui.displays.find("numerics"); it != m_ui.displays.end())
        r.numerics = NumericsRequest{m_ui.numerics_column, it->second};
    return r;
}

std::uint64_t Lab::request_signature(const ComputeRequest& r) const {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 1099511628211ULL + 0x9E3779B97F4A7C15ULL; };
    mix(r.data_revision);
    mix(r.full_weights);
    for (const SceneColumn& c : r.columns) {
        mix(static_cast<std::uint64_t>(c.id));
        mix(column_key(r, c));
    }
    for (const auto& [id, spec] : r.displays) mix(static_cast<std::uint64_t>(id) ^ display_spec_hash(spec));
    if (r.diff)
        mix(static_cast<std::uint64_t>(r.diff->a) * 31 + static_cast<std::uint64_t>(r.diff->b) +
            display_spec_hash(r.diff->display));
    if (r.numerics) mix(static_cast<std::uint64_t>(r.numerics->column) + 7 * display_spec_hash(r.numerics->display));
    return h;
}

void Lab::submit_if_needed() {
    ComputeRequest r = build_request();
    const std::uint64_t sig = request_signature(r);
    if (sig == m_request_sig && m_request_id > 0) return;
    m_request_sig = sig;
    r.request_id = ++m_request_id;
    const bool cheap = m_scheduler.last_pass_ms() < m_options.same_frame_budget_ms;
    m_scheduler.submit(std::move(r));
    if (cheap && m_options.same_frame_budget_ms > 0) m_scheduler.wait_for(m_request_id, m_options.same_frame_budget_ms);
}

bool Lab::settled() const {
    const std::shared_ptr<const ResultSet> latest = m_scheduler.latest();
    if (!latest || latest->request_id != m_request_id || !m_scheduler.idle()) return false;
    if (m_ui.view_busy) return false;
    if (latest != m_results) return false;
    // Every drawn panel's image must be uploaded.
    for (const auto& [id, slot] : latest->columns)
        if (slot.image && m_textures.key(column_slot(id)) != slot.image->key) return false;
    return true;
}

}  // namespace attnscope::gui
