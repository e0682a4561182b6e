// draw_difference.cpp — any column minus a baseline column on a signed, diverging colour map centred on zero, and
// a blink panel that alternates the two columns on the same pixels (key B).
#include <cmath>

#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

bool column_combo(const char* label, const Scene& scene, int& id) {
    const SceneColumn* cur = scene.find_column(id);
    const std::string shown = cur ? column_title(scene, *cur) : std::string("(none)");
    bool changed = false;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    if (ImGui::BeginCombo(label, shown.c_str())) {
        for (const SceneColumn& c : scene.columns)
            if (ImGui::Selectable(column_title(scene, c).c_str(), c.id == id)) {
                id = c.id;
                changed = true;
            }
        ImGui::EndCombo();
    }
    return changed;
}

}  // namespace

// The two columns the difference view compares (defaults: the second column minus the first).
void resolve_difference_columns(const Scene& scene, int& a, int& b) {
    a = scene.find_column(scene.view.compare_column) ? scene.view.compare_column : -1;
    b = scene.find_column(scene.view.baseline_column) ? scene.view.baseline_column : -1;
    if (b < 0 && !scene.columns.empty()) b = scene.columns.front().id;
    if (a < 0) a = scene.columns.size() > 1 ? scene.columns[1].id : b;
}

void draw_difference(ViewContext& ctx) {
    const Scene& s = ctx.scene;
    if (s.columns.empty()) {
        ImGui::TextDisabled("Add columns to compare them.");
        return;
    }
    int a = -1, b = -1;
    resolve_difference_columns(s, a, b);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("show");
    ImGui::SameLine();
    if (column_combo("##compare", s, a)) ctx.view.compare_column = a;
    item_tooltip("The column shown.");
    ImGui::SameLine();
    ImGui::TextUnformatted("minus the baseline");
    ImGui::SameLine();
    if (column_combo("##baseline", s, b)) ctx.view.baseline_column = b;
    item_tooltip("The column subtracted (a column's menu also sets it).");
    ImGui::SameLine();
    ImGui::Checkbox("blink (B)", &ctx.ui.blink);
    item_tooltip("Alternate the two columns on the same pixels twice a second: small differences jump out.");
    const SceneColumn* ca = s.find_column(a);
    const SceneColumn* cb = s.find_column(b);
    if (!ca || !cb) return;

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    const float side =
        std::max(ctx.theme.px(96), std::min((avail.x - ctx.theme.px(24)) / 2, avail.y - label_h - ctx.theme.px(60)));
    const ImVec2 top = ImGui::GetCursorPos();

    // Left: the signed difference.
    ImGui::BeginGroup();
    const std::string title = column_title(s, *ca) + "  \xE2\x88\x92  " + column_title(s, *cb);
    ImGui::TextUnformatted(title.c_str());
    HeatmapPanel hp;
    hp.id = "diff";
    hp.slot = "diff";
    hp.panel_name = "difference.map";
    hp.image = ctx.results && ctx.results->diff_image ? ctx.results->diff_image.get() : nullptr;
    hp.n = s.n();
    hp.causal = s.causal;
    hp.variant = std::string(variant_name(ca->kind)) + "-" + std::string(variant_name(cb->kind));
    hp.size = ImVec2(side, side);
    hp.spec = base_display(ctx, nullptr);
    const ImVec2 map0 = ImGui::GetCursorScreenPos();
    const HeatmapHit hit = draw_heatmap(ctx, hp);
    ctx.layout.panel("difference", ImVec2(map0.x, map0.y - label_h), ImVec2(map0.x + side, map0.y + side));
    if (hit.hovered) {
        const ColumnSlot* sa = ctx.slot(a);
        const ColumnSlot* sb = ctx.slot(b);
        if (sa && sb && sa->compute && sb->compute && sa->compute->error.empty() && sb->compute->error.empty()) {
            bool ea = true, eb = true;
            const float wa = displayed_weight(*sa->compute, s.n(), hit.row, hit.col, &ea);
            const float wb = displayed_weight(*sb->compute, s.n(), hit.row, hit.col, &eb);
            ImGui::BeginTooltip();
            ImGui::Text("query %s, key %s", token_label(s, hit.row).c_str(), token_label(s, hit.col).c_str());
            ImGui::PushFont(ctx.theme.mono);
            ImGui::Text("%-10s %s", "column", fmt_value(wa, 5).c_str());
            ImGui::Text("%-10s %s", "baseline", fmt_value(wb, 5).c_str());
            ImGui::Text("%-10s %+.5f%s", "difference", wa - wb, ea && eb ? "" : "  (block maxima)");
            ImGui::PopFont();
            ImGui::EndTooltip();
        }
    }
    draw_colorbar(ctx, hp.image, hp.spec, side, false);
    if (ctx.results) ImGui::TextDisabled("max |difference| = %s", fmt_value(ctx.results->diff_max_abs, 4).c_str());
    ImGui::EndGroup();

    // Right: the blink panel (a column's own image, swapped on the same pixels).
    ImGui::SetCursorPos(ImVec2(top.x + side + ctx.theme.px(24), top.y));
    ImGui::BeginGroup();
    const bool show_b = ctx.ui.blink && std::fmod(ctx.time, 1.0) >= 0.5;
    const SceneColumn* shown = show_b ? cb : ca;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(show_b ? ctx.theme.accent : ctx.theme.text_strong), "%s%s",
                       column_title(s, *shown).c_str(), ctx.ui.blink ? (show_b ? "   (baseline)" : "   (column)") : "");
    const ColumnSlot* ss = ctx.slot(shown->id);
    HeatmapPanel bp;
    bp.id = "blink";
    bp.slot = column_slot(shown->id);  // the grid's texture: same pixels, no extra upload
    bp.panel_name = "blink.map";
    bp.image = ss && ss->image ? ss->image.get() : nullptr;
    bp.n = s.n();
    bp.causal = s.causal;
    bp.variant = std::string(variant_name(shown->kind));
    bp.size = ImVec2(side, side);
    bp.column_id = shown->id;
    bp.spec = base_display(ctx, shown);
    // The blink panel reuses the grid's image, so it must not overwrite the grid's display request size.
    const DisplaySpec grid_spec = ctx.ui.displays.count(bp.slot) ? ctx.ui.displays[bp.slot] : DisplaySpec{};
    const HeatmapHit bh = draw_heatmap(ctx, bp);
    if (grid_spec.px_w > 0) ctx.ui.displays[bp.slot] = grid_spec;
    // Ask for the other column's image at the same size too, so a blink swaps textures without a recompute.
    const SceneColumn* other = show_b ? ca : cb;
    if (!ctx.ui.displays.count(column_slot(other->id))) {
        DisplaySpec spec = ctx.ui.displays[bp.slot];
        spec.scale = other->scale;
        ctx.ui.displays[column_slot(other->id)] = spec;
    }
    if (bh.hovered && ss && ss->compute) column_cell_tooltip(ctx, *shown, *ss, bh.row, bh.col);
    draw_colorbar(ctx, bp.image, bp.spec, side, shown->kind == VariantKind::Selective);
    ImGui::TextDisabled("B toggles blinking; hold the mouse over a cell to read both weights.");
    ImGui::EndGroup();
}

}  // namespace attnscope::gui
