// widgets.cpp — small helpers shared by the views.
#include "app/gui/views/widgets.hpp"

#include <cmath>
#include <cstdio>

#include "app/gui/settings.hpp"

namespace attnscope::gui {

void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    item_tooltip(text);
}

void section(const char* title) {
    ImGui::Spacing();
    ImGui::TextDisabled("%s", title);
    ImGui::Separator();
}

void item_tooltip(const char* text) {
    if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

std::string fmt_value(double x, int digits) {
    if (!std::isfinite(x)) return std::isnan(x) ? "\xE2\x80\x94" : (x > 0 ? "inf" : "-inf");  // em dash
    char buf[48];
    const double a = std::abs(x);
    if (a != 0.0 && (a < 1e-3 || a >= 1e5))
        std::snprintf(buf, sizeof buf, "%.*e", std::max(digits - 2, 1), x);
    else
        std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    return buf;
}

std::string token_label(const Scene& scene, int i) {
    if (i < 0 || i >= scene.n()) return "?";
    return std::to_string(i) + " \xE2\x80\x98" + scene.tokens->labels[static_cast<std::size_t>(i)] + "\xE2\x80\x99";
}

int focus_row(const ViewContext& ctx) {
    const int n = ctx.scene.n();
    if (ctx.view.locked_query >= 0 && ctx.view.locked_query < n) return ctx.view.locked_query;
    return n - 1;
}

DisplaySpec base_display(const ViewContext& ctx, const SceneColumn* column) {
    DisplaySpec s;
    s.colormap = parse_colormap(ctx.view.colormap).value_or(Colormap::Viridis);
    if (s.colormap == Colormap::Diverging) s.colormap = Colormap::Viridis;
    s.scale = column ? column->scale : MapScale::Linear;
    s.auto_range = ctx.settings.auto_range;
    s.mask_rgba = ctx.theme.mask;  // IM_COL32 packs R in the low byte, like pack_rgba
    s.pruned_rgba = ctx.theme.pruned;
    return s;
}

std::string column_slot(int column_id) { return "col:" + std::to_string(column_id); }

void draw_plane_grid(ImDrawList* dl, const Theme& th, ImVec2 p0, ImVec2 p1, ImVec2 centre, float ppu, double half,
                     const char* name_x, const char* name_y) {
    for (int k = -4; k <= 4; ++k) {
        const float o = static_cast<float>(k * half / 4) * ppu;
        const ImU32 gc = k == 0 ? ImGui::GetColorU32(ImGuiCol_Border) : ImGui::GetColorU32(ImGuiCol_Border, 0.35f);
        dl->AddLine(ImVec2(centre.x + o, p0.y), ImVec2(centre.x + o, p1.y), gc);
        dl->AddLine(ImVec2(p0.x, centre.y + o), ImVec2(p1.x, centre.y + o), gc);
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s  (\xC2\xB1%g)", name_x, half);
    dl->AddText(ImVec2(p1.x - ImGui::CalcTextSize(buf).x - th.px(4), centre.y + th.px(2)), th.text_dim, buf);
    dl->AddText(ImVec2(centre.x + th.px(4), p0.y + th.px(2)), th.text_dim, name_y);
}

}  // namespace attnscope::gui
