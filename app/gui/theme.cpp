#include "app/gui/theme.hpp"

#include <filesystem>

namespace attnscope::gui {

Theme make_theme(bool light, float scale) {
    Theme t;
    t.light = light;
    t.scale = scale;
    if (light) {
        t.mask = IM_COL32(232, 232, 236, 255);
        t.mask_hatch = IM_COL32(196, 196, 204, 255);
        t.pruned = IM_COL32(222, 160, 150, 255);
        t.map_bg = IM_COL32(250, 250, 250, 255);
        t.grid_line = IM_COL32(255, 255, 255, 90);
        t.lock_outline = IM_COL32(220, 40, 40, 255);
        t.hover_outline = IM_COL32(20, 20, 20, 200);
        t.text_dim = IM_COL32(95, 95, 105, 255);
        t.text_strong = IM_COL32(10, 10, 10, 255);
        t.error = IM_COL32(190, 30, 30, 255);
        t.accent = IM_COL32(30, 100, 200, 255);
        t.strip_bg = IM_COL32(214, 214, 222, 255);
        t.strip_bar = IM_COL32(60, 110, 180, 255);
        t.strip_undefined = IM_COL32(200, 200, 205, 255);
        t.query = IM_COL32(200, 80, 20, 255);
        t.key = IM_COL32(30, 110, 200, 255);
        t.value = IM_COL32(60, 150, 90, 255);
        t.exact_value = IM_COL32(40, 40, 40, 255);
    } else {
        t.mask = IM_COL32(44, 44, 50, 255);
        t.mask_hatch = IM_COL32(84, 84, 94, 255);
        t.pruned = IM_COL32(150, 96, 90, 255);
        t.map_bg = IM_COL32(22, 22, 26, 255);
        t.grid_line = IM_COL32(0, 0, 0, 70);
        t.lock_outline = IM_COL32(255, 90, 80, 255);
        t.hover_outline = IM_COL32(255, 255, 255, 200);
        t.text_dim = IM_COL32(150, 150, 160, 255);
        t.text_strong = IM_COL32(240, 240, 245, 255);
        t.error = IM_COL32(255, 110, 100, 255);
        t.accent = IM_COL32(110, 170, 255, 255);
        t.strip_bg = IM_COL32(62, 62, 74, 255);
        t.strip_bar = IM_COL32(120, 170, 235, 255);
        t.strip_undefined = IM_COL32(60, 60, 68, 255);
        t.query = IM_COL32(255, 150, 70, 255);
        t.key = IM_COL32(100, 180, 255, 255);
        t.value = IM_COL32(120, 210, 140, 255);
        t.exact_value = IM_COL32(235, 235, 235, 255);
    }
    return t;
}

void apply_style(const Theme& t) {
    ImGuiStyle style;
    if (t.light)
        ImGui::StyleColorsLight(&style);
    else
        ImGui::StyleColorsDark(&style);
    style.WindowRounding = 4.0f;
    style.ChildRounding = 3.0f;
    style.FrameRounding = 3.0f;
    style.PopupRounding = 3.0f;
    style.GrabRounding = 3.0f;
    style.TabRounding = 3.0f;
    style.ScrollbarRounding = 6.0f;
    style.WindowPadding = ImVec2(8, 8);
    style.FramePadding = ImVec2(6, 3);
    style.ItemSpacing = ImVec2(7, 5);
    style.ItemInnerSpacing = ImVec2(5, 4);
    style.WindowBorderSize = 1.0f;
    style.ChildBorderSize = 1.0f;
    ImVec4* c = style.Colors;
    if (!t.light) {
        c[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.108f, 0.125f, 1.0f);
        c[ImGuiCol_ChildBg] = ImVec4(0.125f, 0.128f, 0.148f, 1.0f);
        c[ImGuiCol_PopupBg] = ImVec4(0.13f, 0.135f, 0.155f, 0.98f);
        c[ImGuiCol_MenuBarBg] = ImVec4(0.15f, 0.155f, 0.18f, 1.0f);
        c[ImGuiCol_Border] = ImVec4(0.25f, 0.26f, 0.30f, 0.8f);
        c[ImGuiCol_FrameBg] = ImVec4(0.19f, 0.20f, 0.24f, 1.0f);
        c[ImGuiCol_FrameBgHovered] = ImVec4(0.25f, 0.27f, 0.33f, 1.0f);
        c[ImGuiCol_FrameBgActive] = ImVec4(0.28f, 0.31f, 0.39f, 1.0f);
        c[ImGuiCol_TitleBgActive] = ImVec4(0.17f, 0.20f, 0.28f, 1.0f);
        c[ImGuiCol_Header] = ImVec4(0.22f, 0.28f, 0.40f, 0.8f);
        c[ImGuiCol_HeaderHovered] = ImVec4(0.27f, 0.35f, 0.52f, 0.9f);
        c[ImGuiCol_Tab] = ImVec4(0.16f, 0.18f, 0.23f, 1.0f);
        c[ImGuiCol_TabHovered] = ImVec4(0.30f, 0.40f, 0.60f, 1.0f);
        c[ImGuiCol_TabActive] = ImVec4(0.24f, 0.32f, 0.50f, 1.0f);
        c[ImGuiCol_Button] = ImVec4(0.22f, 0.26f, 0.36f, 1.0f);
        c[ImGuiCol_ButtonHovered] = ImVec4(0.30f, 0.38f, 0.55f, 1.0f);
        c[ImGuiCol_ButtonActive] = ImVec4(0.34f, 0.44f, 0.66f, 1.0f);
    } else {
        c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.975f, 1.0f);
        c[ImGuiCol_ChildBg] = ImVec4(1.0f, 1.0f, 1.0f, 1.0f);
        c[ImGuiCol_MenuBarBg] = ImVec4(0.92f, 0.92f, 0.93f, 1.0f);
    }
    style.ScaleAllSizes(t.scale);
    ImGui::GetStyle() = style;
}

void load_fonts(Theme& t, bool system_fonts) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    const float size = 15.0f * t.scale;
    // Latin-1, Greek (tau, lambda, sigma in labels), general punctuation, arrows and math operators.
    static const ImWchar ranges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2010, 0x205E, 0x2190,
                                     0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0};
    const char* sans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    const char* mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    std::error_code ec;
    if (system_fonts && std::filesystem::exists(sans, ec) && std::filesystem::exists(mono, ec)) {
        ImFontConfig cfg;
        cfg.OversampleH = 2;
        cfg.OversampleV = 1;
        t.font = io.Fonts->AddFontFromFileTTF(sans, size, &cfg, ranges);
        t.mono = io.Fonts->AddFontFromFileTTF(mono, size * 0.95f, &cfg, ranges);
        t.small = io.Fonts->AddFontFromFileTTF(sans, size * 0.82f, &cfg, ranges);
    }
    if (!t.font || !t.mono || !t.small) {
        io.Fonts->Clear();
        ImFontConfig cfg;
        cfg.SizePixels = 13.0f * t.scale;
        t.font = io.Fonts->AddFontDefault(&cfg);
        t.mono = t.font;
        t.small = t.font;
    }
    io.FontDefault = t.font;
    io.Fonts->Build();
}

}  // namespace attnscope::gui
