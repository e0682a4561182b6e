// draw_chrome.cpp — the menu bar (with the backend switch), the status bar, the file popups, and the help, about
// and settings windows.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "app/gui/lab_backend.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::gui {
namespace {

void file_menu(ViewContext& ctx) {
    if (ImGui::MenuItem("Open scene\xE2\x80\xA6", "Ctrl+O")) ctx.ui.want_open = true;
    if (ImGui::MenuItem("Save scene", "Ctrl+S")) ctx.ui.request_save_current = true;
    if (ImGui::MenuItem("Save scene as\xE2\x80\xA6", "Ctrl+Shift+S")) ctx.ui.want_save_as = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Screenshot of the window", "F12")) ctx.ui.want_screenshot = true;
    if (ImGui::BeginMenu("Save one panel as PNG")) {
        for (const PanelRecord& p : ctx.layout.panels())
            if (p.name.find('.') == std::string::npos && ImGui::MenuItem(p.name.c_str()))
                ctx.ui.want_panel_png = p.name;
        ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) ctx.ui.want_quit = true;
}

void edit_menu(ViewContext& ctx) {
    const std::string undo = ctx.undo_label.empty() ? "Undo" : "Undo " + ctx.undo_label;
    const std::string redo = ctx.redo_label.empty() ? "Redo" : "Redo " + ctx.redo_label;
    if (ImGui::MenuItem(undo.c_str(), "Ctrl+Z", false, !ctx.undo_label.empty())) ctx.edits.undo();
    if (ImGui::MenuItem(redo.c_str(), "Ctrl+Shift+Z", false, !ctx.redo_label.empty())) ctx.edits.redo();
    ImGui::Separator();
    if (ImGui::MenuItem("Unlock the query", "Esc", false, ctx.view.locked_query >= 0)) ctx.view.locked_query = -1;
    if (ImGui::MenuItem("Reset zoom", "Ctrl+0", false, !ctx.ui.viewport.is_whole(ctx.scene.n()))) ctx.ui.viewport = {};
}

void view_menu(ViewContext& ctx) {
    if (ImGui::MenuItem("Light theme (for figures)", "Ctrl+L", ctx.settings.light_theme))
        ctx.settings.light_theme = !ctx.settings.light_theme;
    if (ImGui::BeginMenu("Colour map")) {
        for (const char* m : {"viridis", "cividis"})
            if (ImGui::MenuItem(m, nullptr, ctx.view.colormap == m)) ctx.view.colormap = m;
        ImGui::EndMenu();
    }
    item_tooltip(
        "Both are perceptually uniform and colour-blind safe; cividis is also readable with no colour vision at all.");
    if (ImGui::BeginMenu("UI scale")) {
        for (float s : {0.8f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f}) {
            char label[16];
            std::snprintf(label, sizeof label, "%.0f%%", s * 100);
            if (ImGui::MenuItem(label, nullptr, std::abs(ctx.theme.scale - s) < 0.01f)) ctx.ui.request_ui_scale = s;
        }
        ImGui::EndMenu();
    }
    ImGui::MenuItem("Token labels beside the maps", nullptr, &ctx.settings.row_labels);
    if (ImGui::BeginMenu("Columns per row")) {
        if (ImGui::MenuItem("Fit to the window", nullptr, ctx.settings.grid_per_row == 0))
            ctx.settings.grid_per_row = 0;
        for (int k = 1; k <= 8; ++k)
            if (ImGui::MenuItem(std::to_string(k).c_str(), nullptr, ctx.settings.grid_per_row == k))
                ctx.settings.grid_per_row = k;
        ImGui::EndMenu();
    }
    ImGui::MenuItem("Frame-time overlay", nullptr, &ctx.ui.show_metrics_overlay);
    ImGui::Separator();
    if (ImGui::MenuItem("Settings\xE2\x80\xA6")) ctx.ui.show_settings = true;
}

void presets_menu(ViewContext& ctx) {
    for (const PresetInfo& p : all_presets()) {
        if (ImGui::MenuItem(std::string(p.title).c_str())) {
            auto scene = std::make_shared<Scene>(make_preset_scene(p.id, ctx.scene.generator.seed));
            ctx.emit({edit::ReplaceScene{scene}, 0, "Load preset " + std::string(p.id)});
            ctx.ui.viewport = {};
            ctx.view.locked_query = -1;
        }
        item_tooltip(std::string(p.story).c_str());
    }
}

void backend_switch(ViewContext& ctx) {
    const std::string current = ctx.results ? ctx.results->backend : ctx.settings.backend;
    const std::vector<LabBackendStatus> all = lab_backends();
    ImGui::TextDisabled("backend");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    if (ImGui::BeginCombo("##backend", current.c_str())) {
        for (const LabBackendStatus& b : all) {
            std::string label = b.name;
            if (!b.available) label += "  (unavailable)";
            if (ImGui::Selectable(label.c_str(), b.name == current, b.available ? 0 : ImGuiSelectableFlags_Disabled))
                ctx.ui.request_backend = b.name;
            if (!b.available) {
                ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26);
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.text_dim), "   %s", b.reason.c_str());
                ImGui::PopTextWrapPos();
            }
        }
        ImGui::EndCombo();
    }
    std::string tip =
        "Where the attention maps are computed. Every backend is checked against reference::attend<double> (see the "
        "Numerics tab).";
    for (const LabBackendStatus& b : all)
        if (!b.available) tip += "\n\n" + b.name + " is unavailable: " + b.reason;
    item_tooltip(tip.c_str());
    for (const LabBackendStatus& b : all)
        if (!b.available && b.name == "cuda") {
            ImGui::SameLine();
            ImGui::TextDisabled("(GPU: none)");
            item_tooltip(("cuda: " + b.reason).c_str());
        }
}

// A path popup: ImGui has no file dialog; a text field with the scene files it can see is enough for a lab.
void path_popup(ViewContext& ctx, const char* id, bool& open_request, bool save) {
    static char path[1024] = "";
    if (open_request) {
        std::snprintf(path, sizeof path, "%s", ctx.scene_path.empty() ? "scene.json" : ctx.scene_path.c_str());
        ImGui::OpenPopup(id);
        open_request = false;
    }
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 36, 0), ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal(id, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    ImGui::TextUnformatted(save ? "Save the scene (JSON) to:" : "Open a scene file (JSON):");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 34);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("##path", path, sizeof path, ImGuiInputTextFlags_EnterReturnsTrue);
    if (!save) {
        // Scene files nearby: the current folder and the shipped examples.
        std::vector<std::string> found;
        std::error_code ec;
        for (const char* dir : {".", "assets/scenes", "../assets/scenes"})
            for (const auto& e : std::filesystem::directory_iterator(dir, ec))
                if (e.path().extension() == ".json" && found.size() < 12) found.push_back(e.path().string());
        if (!found.empty()) {
            ImGui::TextDisabled("scene files here:");
            for (const std::string& f : found)
                if (ImGui::Selectable(f.c_str())) std::snprintf(path, sizeof path, "%s", f.c_str());
        }
    }
    if (ImGui::Button(save ? "Save" : "Open", ImVec2(ImGui::GetFontSize() * 6, 0)) || enter) {
        (save ? ctx.ui.request_save : ctx.ui.request_open) = path;
        ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel", ImVec2(ImGui::GetFontSize() * 6, 0)) ||
        ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
        ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

void error_modal(ViewContext& ctx) {
    if (ctx.ui.error_title.empty()) return;
    if (!ImGui::IsPopupOpen("##error")) ImGui::OpenPopup("##error");
    if (ImGui::BeginPopupModal("##error", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.error), "%s", ctx.ui.error_title.c_str());
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
        ImGui::TextUnformatted(ctx.ui.error_text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::Spacing();
        if (ImGui::Button("OK", ImVec2(ImGui::GetFontSize() * 6, 0)) ||
            ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter))) {
            ctx.ui.error_title.clear();
            ctx.ui.error_text.clear();
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
}

}  // namespace

void draw_menu_bar(ViewContext& ctx) {
    if (!ImGui::BeginMainMenuBar()) return;
    if (ImGui::BeginMenu("File")) {
        file_menu(ctx);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Edit")) {
        edit_menu(ctx);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        view_menu(ctx);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Presets")) {
        presets_menu(ctx);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        if (ImGui::MenuItem("Keyboard shortcuts", "F1")) ctx.ui.show_help = true;
        if (ImGui::MenuItem("About attnscope")) ctx.ui.show_about = true;
        ImGui::EndMenu();
    }
    // Right side: the scene's name, the backend switch and whether results are pending.
    const float right =
        ImGui::CalcTextSize("Screenshot  backend  cuda  (unavailable)  (GPU: none)").x + ImGui::GetFontSize() * 3.5f;
    // "Needle among distractors - needle.json *": the scene's name, its file, and whether it changed since saved.
    std::string name = ctx.scene.name;
    if (!ctx.scene_path.empty()) name += "  \xE2\x80\x94  " + std::filesystem::path(ctx.scene_path).filename().string();
    if (ctx.scene_dirty) name += " *";
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + ImGui::GetFontSize(),
                             (ImGui::GetWindowWidth() - right) / 2 - ImGui::CalcTextSize(name.c_str()).x / 2));
    ImGui::TextUnformatted(name.c_str());
    ImGui::SameLine(ImGui::GetWindowWidth() - right);
    if (ImGui::SmallButton("Screenshot")) ctx.ui.want_screenshot = true;
    item_tooltip(
        "Save the whole window as PNG (F12); the path shows in the status bar. A column's menu saves one panel.");
    ImGui::SameLine(0, ImGui::GetFontSize());
    backend_switch(ctx);
    ImGui::EndMainMenuBar();
    path_popup(ctx, "Open scene", ctx.ui.want_open, false);
    path_popup(ctx, "Save scene as", ctx.ui.want_save_as, true);
    error_modal(ctx);
}

void draw_status_bar(ViewContext& ctx, ImVec2 pos, ImVec2 size) {
    ImGui::SetNextWindowPos(pos);
    ImGui::SetNextWindowSize(size);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ctx.theme.px(8), ctx.theme.px(3)));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    ImGui::Begin("##status", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ctx.layout.panel("status", pos, ImVec2(pos.x + size.x, pos.y + size.y));
    if (ctx.pending) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.accent), "\xE2\x97\x8F computing");
        item_tooltip("The maps show the previous result until the worker finishes the newest revision.");
    } else if (ctx.results && !ctx.results->implied_complete) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.text_dim), "\xE2\x97\x8B implied T\xE2\x80\xA6");
        item_tooltip("Maps are current; the implied temperature strip is still being computed.");
    } else {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.text_dim), "\xE2\x97\x8B ready");
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(ctx.ui.status.c_str());
    char right[160];
    std::snprintf(right, sizeof right, "n = %d   d = %d   dv = %d   %s   %s   compute %.1f ms   frame %.1f ms",
                  ctx.scene.n(), ctx.scene.d(), ctx.scene.dv(), ctx.scene.causal ? "causal" : "bidirectional",
                  ctx.results ? ctx.results->backend.c_str() : "-", ctx.results ? ctx.results->compute_ms : 0.0,
                  ctx.frame_ms);
    ImGui::SameLine(
        std::max(ImGui::GetCursorPosX() + ctx.theme.px(20), size.x - ImGui::CalcTextSize(right).x - ctx.theme.px(12)));
    ImGui::TextDisabled("%s", right);
    ImGui::End();
    ImGui::PopStyleVar(2);
}

void draw_help_window(ViewContext& ctx) {
    if (!ctx.ui.show_help) return;
    const ImVec2 centre(ImGui::GetIO().DisplaySize.x * 0.5f, ImGui::GetIO().DisplaySize.y * 0.5f);
    ImGui::SetNextWindowPos(centre, ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(ctx.theme.px(680), ctx.theme.px(640)), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Keyboard shortcuts and mouse", &ctx.ui.show_help)) {
        struct Row {
            const char* keys;
            const char* what;
        };
        const Row keys[] = {
            {"Ctrl+Z", "undo (every edit: drags, table cells, length, columns, presets)"},
            {"Ctrl+Shift+Z, Ctrl+Y", "redo"},
            {"F12", "save the whole window as PNG (the path shows in the status bar)"},
            {"Ctrl+O / Ctrl+S / Ctrl+Shift+S", "open / save / save the scene as"},
            {"B", "blink between the two columns of the difference view"},
            {"Esc", "close this window (or About, Settings); otherwise unlock the locked query"},
            {"Ctrl+0", "reset the zoom of the maps"},
            {"Ctrl+L", "light theme (figures)"},
            {"F1", "this window"},
            {"Ctrl+Q", "quit (the scene is kept for the next start)"},
        };
        const Row mouse[] = {
            {"hover a map cell", "query, key, labels, weight and logit; the same cell is outlined in every map"},
            {"click a map row", "lock that query (again: unlock); it is outlined everywhere, and its output shows"},
            {"double-click a map", "reset the zoom and lock the row"},
            {"mouse wheel on a map", "zoom every map around the cursor, down to single cells"},
            {"right- or middle-drag", "pan the zoomed maps"},
            {"drag a point on the canvas", "move a query (circle) or key (square); every column follows"},
            {"hover a strip", "every metric of that query"},
            {"P / \xE2\x80\xA6 in a column header",
             "its parameters / its menu (scale, difference, numerics, move, remove, PNG)"},
        };
        auto table = [](const char* id, const Row* rows, std::size_t count) {
            if (ImGui::BeginTable(id, 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
                ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 15);
                ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch);
                for (std::size_t i = 0; i < count; ++i) {
                    ImGui::TableNextRow();
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(rows[i].keys);
                    ImGui::TableNextColumn();
                    ImGui::TextWrapped("%s", rows[i].what);
                }
                ImGui::EndTable();
            }
        };
        section("KEYBOARD");
        table("keys", keys, std::size(keys));
        section("MOUSE");
        table("mouse", mouse, std::size(mouse));
        section("COLOURS");
        ImGui::TextWrapped(
            "Maps: weight on the colour bar's scale (linear 0..1, or log). Grey cells are masked (a key "
            "after its query under the causal mask); reddish grey cells are keys selective attention "
            "pruned. Differences use a blue-white-red map centred on 0 with symmetric limits.");
    }
    ImGui::End();
}

void draw_about_window(ViewContext& ctx) {
    if (!ctx.ui.show_about) return;
    ImGui::SetNextWindowSize(ImVec2(ctx.theme.px(600), ctx.theme.px(470)), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("About attnscope", &ctx.ui.show_about)) {
        ImGui::TextUnformatted("attnscope 0.1.0 \xE2\x80\x94 a desktop lab for attention variants");
        ImGui::TextDisabled(
            "Same queries, keys and values through every formula, side by side. Eigen (CPU) and CUDA backends,");
        ImGui::TextDisabled("all checked against a double-precision reference. Dear ImGui, GLFW, OpenGL, stb.");
        section("THE VARIANTS AND THEIR PAPERS");
        struct Paper {
            const char* ids;
            const char* title;
            const char* who;
        };
        const Paper papers[] = {
            {"dpa", "Attention Is All You Need (softmax dot-product attention)", "Vaswani et al., NeurIPS 2017"},
            {"ssa", "Selective Attention: Enhancing Transformer through Principled Context Control",
             "Zhang, Chang, Li, Roy-Chowdhury, Chen, Oymak, NeurIPS 2024, arXiv 2411.12892"},
            {"selective", "Selective Attention Improves Transformer",
             "Leviathan, Kalman, Matias, ICLR 2025, arXiv 2410.02703"},
            {"va_exact, va_oblivious, va_aware", "Value-aware Approximate Attention",
             "Gupta, Berant, EMNLP 2021, arXiv 2103.09857"},
            {"lssa, lssar", "Softplus Attention with Re-weighting Boosts Length Extrapolation in Large Language Models",
             "Gao, Gionfrida, Spratling, arXiv 2501.13428"},
            {"ea",
             "Reorganizing attention-space geometry with expressive attention (Climbing the Complexity Ladder with "
             "Expressive Attention)",
             "Gros, arXiv 2407.18601"},
        };
        for (const Paper& p : papers) {
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.accent), "%s", p.ids);
            ImGui::Indent();
            ImGui::TextWrapped("%s", p.title);
            ImGui::TextDisabled("%s", p.who);
            ImGui::Unindent();
        }
        section("METRICS");
        ImGui::TextWrapped(
            "Entropy, effective support, Gini, top-k mass and the implied (entropy-matched) temperature "
            "follow spec \xC2\xA7"
            "7. Colour maps: viridis and cividis (CC0, matplotlib), ColorBrewer RdBu.");
    }
    ImGui::End();
}

void draw_settings_window(ViewContext& ctx) {
    if (!ctx.ui.show_settings) return;
    ImGui::SetNextWindowSize(ImVec2(ctx.theme.px(520), 0), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Settings", &ctx.ui.show_settings, ImGuiWindowFlags_AlwaysAutoResize)) {
        float scale = ctx.theme.scale;
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
        ImGui::SliderFloat("UI scale", &scale, 0.75f, 3.0f, "%.2f");
        if (ImGui::IsItemDeactivatedAfterEdit()) ctx.ui.request_ui_scale = scale;
        item_tooltip("Size of text and controls (HiDPI). The default follows the monitor's content scale.");
        ImGui::Checkbox("Light theme (for figures)", &ctx.settings.light_theme);
        ImGui::Checkbox("Token labels beside the maps", &ctx.settings.row_labels);
        static char dir[1024];
        if (ImGui::IsWindowAppearing()) std::snprintf(dir, sizeof dir, "%s", ctx.settings.figures_dir.c_str());
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
        if (ImGui::InputTextWithHint("figures folder", "(the current folder)", dir, sizeof dir))
            ctx.settings.figures_dir = dir;
        item_tooltip("Where F12 screenshots and panel PNGs are written.");
        ImGui::TextDisabled("settings file: %s", settings_path().c_str());
    }
    ImGui::End();
}

}  // namespace attnscope::gui
