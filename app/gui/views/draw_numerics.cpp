// draw_numerics.cpp — the chosen backend's float weights minus reference::attend<double>, per cell, on a signed
// colour map with its maximum: is a difference between variants real, or rounding?
#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {

void draw_numerics(ViewContext& ctx) {
    const Scene& s = ctx.scene;
    if (s.columns.empty()) {
        ImGui::TextDisabled("Add a column to check its numerics.");
        return;
    }
    if (!s.find_column(ctx.ui.numerics_column)) ctx.ui.numerics_column = s.columns.front().id;
    const SceneColumn* col = s.find_column(ctx.ui.numerics_column);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    if (ImGui::BeginCombo("column", column_title(s, *col).c_str())) {
        for (const SceneColumn& c : s.columns)
            if (ImGui::Selectable(column_title(s, c).c_str(), c.id == col->id)) ctx.ui.numerics_column = c.id;
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("backend %s (float) vs reference::attend<double>",
                        ctx.results ? ctx.results->backend.c_str() : "?");
    const NumericsResult* nr = ctx.results && ctx.results->numerics && ctx.results->numerics->column_id == col->id
                                   ? ctx.results->numerics.get()
                                   : nullptr;
    if (nr && !nr->error.empty()) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.error), "%s", nr->error.c_str());
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float side = std::max(ctx.theme.px(96), std::min(avail.x * 0.6f, avail.y - ctx.theme.px(70)));
    ImGui::BeginGroup();
    HeatmapPanel hp;
    hp.id = "numerics";
    hp.slot = "numerics";
    hp.panel_name = "numerics.map";
    hp.image = nr && nr->image ? nr->image.get() : nullptr;
    hp.n = s.n();
    hp.causal = s.causal;
    hp.variant = std::string(variant_name(col->kind));
    hp.size = ImVec2(side, side);
    hp.spec = base_display(ctx, nullptr);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const HeatmapHit hit = draw_heatmap(ctx, hp);
    ctx.layout.panel("numerics", p0, ImVec2(p0.x + side, p0.y + side));
    if (hit.hovered && nr && nr->diff.rows() == s.n()) {
        ImGui::BeginTooltip();
        ImGui::Text("query %s, key %s", token_label(s, hit.row).c_str(), token_label(s, hit.col).c_str());
        ImGui::Text("float \xE2\x88\x92 double = %+.3e", static_cast<double>(nr->diff(hit.row, hit.col)));
        ImGui::EndTooltip();
    }
    draw_colorbar(ctx, hp.image, hp.spec, side, false);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    if (nr) {
        ImGui::PushFont(ctx.theme.mono);
        ImGui::Text("max |w_f32 - w_f64|      %.3e", nr->max_abs_weight_error);
        ImGui::Text("max row-sum difference   %.3e", nr->max_row_sum_error);
        ImGui::Text("max rel. output error    %.3e", nr->max_rel_output_error);
        ImGui::PopFont();
        ImGui::Spacing();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 22);
        ImGui::TextDisabled(
            "A float sum of n terms drifts by about n\xC2\xB7"
            "eps relative (eps = 6e-8); here:");
        ImGui::PushFont(ctx.theme.mono);
        ImGui::TextDisabled(
            "n\xC2\xB7"
            "eps = %.1e",
            s.n() * 5.96e-8);
        ImGui::PopFont();
        ImGui::TextDisabled(
            "Errors well below that are rounding, not a bug. The colour map is symmetric around 0 and "
            "spans \xC2\xB1 the largest error.");
        ImGui::PopTextWrapPos();
    } else {
        ImGui::TextDisabled("computing the double-precision reference\xE2\x80\xA6");
    }
    ImGui::EndGroup();
}

}  // namespace attnscope::gui
