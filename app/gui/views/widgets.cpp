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

}  // namespace attnscope::gui
