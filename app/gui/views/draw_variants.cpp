// draw_variants.cpp — the variant grid: one cell per column (header, map with per-query strips, colour bar, output),
// a toolbar to add columns and choose scales, and token labels in a gutter aligned with the map rows.
#include <algorithm>
#include <cmath>

#include "app/gui/grid_layout.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

GridMetrics grid_metrics(const ViewContext& ctx) {
    const Theme& t = ctx.theme;
    GridMetrics m;
    int strips = 0;
    for (bool on : ctx.settings.strips) strips += on ? 1 : 0;
    m.strips = strips;
    m.strip_w = t.px(24);
    m.strip_gap = t.px(3);
    m.header_h = ImGui::GetFrameHeightWithSpacing() + t.px(14);  // title row + strip labels
    m.colorbar_h = t.px(40);
    m.output_h = t.px(72);
    m.pad = t.px(8);
    m.gap = t.px(6);
    m.min_map = t.px(96);
    return m;
}

void add_column_menu(ViewContext& ctx, int at) {
    for (VariantKind k : all_variant_kinds()) {
        const std::string item = std::string(variant_title(k)) + "  (" + std::string(variant_name(k)) + ")";
        if (ImGui::MenuItem(item.c_str())) {
            SceneColumn c;
            c.kind = k;
            if (k == VariantKind::VaAware) c.params.solver = Solver::Greedy;  // exact enumerates subsets
            ctx.emit({edit::AddColumn{at, c}, 0, "Add " + std::string(variant_name(k)) + " column"});
        }
        item_tooltip(std::string(variant_parameter_doc(k)).c_str());
    }
}

void toolbar(ViewContext& ctx) {
    if (ImGui::Button("+ Add column")) ImGui::OpenPopup("add_column");
    item_tooltip("Add a variant column. The same variant may appear several times with different parameters.");
    if (ImGui::BeginPopup("add_column")) {
        add_column_menu(ctx, -1);
        ImGui::EndPopup();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    bool all_log = !ctx.scene.columns.empty();
    for (const SceneColumn& c : ctx.scene.columns) all_log &= c.scale == MapScale::Log;
    if (ImGui::Checkbox("log scale", &all_log)) {
        std::vector<SceneColumn> cols = ctx.scene.columns;
        for (SceneColumn& c : cols) c.scale = all_log ? MapScale::Log : MapScale::Linear;
        ctx.emit({edit::RestoreColumns{cols}, 0, all_log ? "Log scale" : "Linear scale"});
    }
    item_tooltip(
        "Log colour scale for every map (each column's menu sets its own). Log shows small weights: the "
        "tail that softmax spreads over long rows.");
    ImGui::SameLine();
    ImGui::Checkbox("fit range", &ctx.settings.auto_range);
    item_tooltip("Linear maps span 0 .. the map's largest weight instead of 0 .. 1. The colour bar shows the range.");
    ImGui::SameLine();
    if (ImGui::Button("Strips")) ImGui::OpenPopup("strips");
    item_tooltip("Choose the per-query strips shown beside every map.");
    if (ImGui::BeginPopup("strips")) {
        const char* names[kStripCount] = {"T: explicit temperature",       "T*: implied temperature",
                                          "H: normalised entropy",         "ESS: effective support",
                                          "peak: max weight / top-k mass", "Gini"};
        for (int k = 0; k < kStripCount; ++k)
            ImGui::Checkbox(names[k], &ctx.settings.strips[static_cast<std::size_t>(k)]);
        ImGui::Separator();
        ImGui::Checkbox("peak strip shows top-k mass", &ctx.settings.top_k_mass);
        ImGui::EndPopup();
    }
    const int n = ctx.scene.n();
    if (!ctx.ui.viewport.is_whole(n)) {
        const MapViewport v = ctx.ui.viewport.resolved(n);
        ImGui::SameLine();
        if (ImGui::Button("Reset zoom")) ctx.ui.viewport = {};
        item_tooltip("Show the whole map again (Ctrl+0, or double-click a map).");
        ImGui::SameLine();
        ImGui::TextDisabled("rows %d\xE2\x80\x93%d, keys %d\xE2\x80\x93%d", v.row0, v.row0 + v.rows - 1, v.col0,
                            v.col0 + v.cols - 1);
    } else {
        ImGui::SameLine();
        ImGui::TextDisabled("wheel: zoom   right-drag: pan   click: lock a query");
    }
}

void column_menu(ViewContext& ctx, const SceneColumn& col, int index, const std::string& slug, bool& open_params) {
    if (ImGui::MenuItem("Parameters\xE2\x80\xA6")) open_params = true;
    const bool log = col.scale == MapScale::Log;
    if (ImGui::MenuItem("Log scale", nullptr, log)) {
        SceneColumn c = col;
        c.scale = log ? MapScale::Linear : MapScale::Log;
        ctx.emit({edit::SetColumn{c}, 0, log ? "Linear scale" : "Log scale"});
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Use as difference baseline", nullptr, ctx.view.baseline_column == col.id))
        ctx.view.baseline_column = col.id;
    if (ImGui::MenuItem("Compare with the baseline")) {
        ctx.view.compare_column = col.id;
        ctx.ui.main_tab = "difference";
    }
    if (ImGui::MenuItem("Check numerics against double")) {
        ctx.ui.numerics_column = col.id;
        ctx.ui.main_tab = "numerics";
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Duplicate")) {
        SceneColumn c = col;
        c.label.clear();
        ctx.emit({edit::AddColumn{index + 1, c}, 0, "Duplicate column"});
    }
    if (ImGui::MenuItem("Move left", nullptr, false, index > 0))
        ctx.emit({edit::MoveColumn{col.id, index - 1}, 0, "Move column"});
    if (ImGui::MenuItem("Move right", nullptr, false, index + 1 < static_cast<int>(ctx.scene.columns.size())))
        ctx.emit({edit::MoveColumn{col.id, index + 1}, 0, "Move column"});
    if (ImGui::BeginMenu("Insert column after")) {
        add_column_menu(ctx, index + 1);
        ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Remove")) ctx.emit({edit::RemoveColumn{col.id}, 0, "Remove column"});
    ImGui::Separator();
    if (ImGui::MenuItem("Save panel as PNG")) ctx.ui.want_panel_png = slug;
}

std::string error_hint(const std::string& error, const Scene& scene, const SceneColumn& col) {
    if (variant_requires_causal(col.kind) && !scene.causal)
        return "Selective attention is defined for causal attention only: turn the causal mask on.";
    if (error.find("max_subsets") != std::string::npos) return "Switch this column's solver to greedy, or lower r.";
    return "";
}

// Returns the screen y of the map's top edge (-1 when the column shows an error instead).
float draw_cell(ViewContext& ctx, const SceneColumn& col, int index, ImVec2 cell, float side, const GridMetrics& m) {
    float map_y = -1.0f;
    const Theme& th = ctx.theme;
    const std::string slug = column_slug(ctx.scene, col);
    ImGui::PushID(col.id);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(m.pad, m.pad));
    // Border only, drawn by the parent (a child clips its own edge): a filled panel background is one more full
    // layer for a software renderer (see lab.cpp).
    const ImVec2 b0 = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRect(b0, ImVec2(b0.x + cell.x, b0.y + cell.y), ImGui::GetColorU32(ImGuiCol_Border),
                                        ImGui::GetStyle().ChildRounding);
    ImGui::BeginChild("cell", cell, false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                          ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_AlwaysUseWindowPadding);
    const ImVec2 c0 = ImGui::GetWindowPos();
    ctx.layout.panel(slug, c0, ImVec2(c0.x + cell.x, c0.y + cell.y));

    // Header: title and the column's menu.
    const std::string title = column_title(ctx.scene, col);
    const float menu_w = ImGui::GetFrameHeight() * 2.0f + th.px(4);
    ImGui::AlignTextToFramePadding();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(th.text_strong));
    ImGui::PushClipRect(ImGui::GetCursorScreenPos(), ImVec2(c0.x + cell.x - m.pad - menu_w, c0.y + cell.y), true);
    ImGui::TextUnformatted(title.c_str());
    ImGui::PopClipRect();
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(title.c_str());
        ImGui::TextDisabled("%s   id: %s", std::string(variant_parameter_doc(col.kind)).c_str(), slug.c_str());
        if (const ColumnSlot* s = ctx.slot(col.id); s && s->compute)
            ImGui::TextDisabled("computed in %.2f ms on %s", s->compute->ms, ctx.results->backend.c_str());
        ImGui::EndTooltip();
    }
    bool open_params = false;
    ImGui::SameLine(cell.x - m.pad - menu_w);
    if (ImGui::Button("P", ImVec2(ImGui::GetFrameHeight(), 0))) open_params = true;
    item_tooltip("Parameters of this column (every parameter of the spec, with what it does).");
    ImGui::SameLine(0, th.px(4));
    if (ImGui::Button("\xE2\x80\xA6", ImVec2(ImGui::GetFrameHeight(), 0))) ImGui::OpenPopup("menu");
    item_tooltip("Column menu: scale, difference baseline, numerics, duplicate, move, remove, save as PNG.");
    if (ImGui::BeginPopup("menu")) {
        column_menu(ctx, col, index, slug, open_params);
        ImGui::EndPopup();
    }
    if (open_params) ImGui::OpenPopup("params");
    if (ImGui::BeginPopup("params")) {
        draw_column_params(ctx, col);
        ImGui::EndPopup();
    }

    const ColumnSlot* slot = ctx.slot(col.id);
    const bool current = slot && slot->compute && ctx.results->data_revision == ctx.scene.data_revision;
    if (slot && slot->compute && !slot->compute->error.empty()) {
        ImGui::Dummy(ImVec2(0, th.px(6)));
        ImGui::PushTextWrapPos(c0.x + cell.x - m.pad - ImGui::GetWindowPos().x);
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(th.error));
        ImGui::TextUnformatted(slot->compute->error.c_str());
        ImGui::PopStyleColor();
        const std::string hint = error_hint(slot->compute->error, ctx.scene, col);
        if (!hint.empty()) ImGui::TextDisabled("%s", hint.c_str());
        ImGui::PopTextWrapPos();
    } else {
        ImGui::Dummy(ImVec2(0, th.px(12)));  // the strips' labels sit here
        const ImVec2 map_pos = ImGui::GetCursorScreenPos();
        map_y = map_pos.y;
        HeatmapPanel hp;
        hp.id = "map";
        hp.slot = column_slot(col.id);
        hp.panel_name = slug + ".map";
        hp.image = slot && slot->image ? slot->image.get() : nullptr;
        hp.n = ctx.scene.n();
        hp.causal = ctx.scene.causal;
        hp.variant = std::string(variant_name(col.kind));
        hp.size = ImVec2(side, side);
        hp.column_id = col.id;
        hp.spec = base_display(ctx, &col);
        const HeatmapHit hit = draw_heatmap(ctx, hp);
        if (hit.hovered && slot && slot->compute) column_cell_tooltip(ctx, col, *slot, hit.row, hit.col);
        if (slot && slot->compute && slot->compute->result.metrics.size() == static_cast<std::size_t>(ctx.scene.n()))
            draw_strips(ctx, col, *slot, ImVec2(map_pos.x + side, map_pos.y), side);
        ImGui::Dummy(ImVec2(0, th.px(14)));  // strip range labels
        const bool selective = col.kind == VariantKind::Selective;
        draw_colorbar(ctx, hp.image, hp.spec, side + m.strips_width(), selective);
        if (slot && slot->compute && current)
            draw_output(ctx, col, *slot, ImVec2(side + m.strips_width(), m.output_h - th.px(6)));
    }
    ImGui::EndChild();
    ImGui::PopStyleVar();
    ImGui::PopID();
    return map_y;
}

// Token labels in a gutter left of the grid, aligned with the rows of the maps of one grid row.
void label_gutter(ViewContext& ctx, ImVec2 top_left, float width, float side) {
    const int n = ctx.scene.n();
    const MapViewport v = ctx.ui.viewport.resolved(n);
    const float ch = side / static_cast<float>(v.rows);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGui::PushFont(ctx.theme.small);
    const float lh = ImGui::GetTextLineHeight();
    for (int i = v.row0; i < v.row0 + v.rows; ++i) {
        std::string s = ctx.scene.tokens->labels[static_cast<std::size_t>(i)];
        while (!s.empty() && ImGui::CalcTextSize(s.c_str()).x > width - ctx.theme.px(4)) s.pop_back();
        const float tw = ImGui::CalcTextSize(s.c_str()).x;
        const ImU32 col = i == ctx.view.locked_query ? ctx.theme.lock_outline
                          : i == ctx.ui.hover.row    ? ctx.theme.text_strong
                                                     : ctx.theme.text_dim;
        dl->AddText(ImVec2(top_left.x + width - tw - ctx.theme.px(3),
                           top_left.y + (static_cast<float>(i - v.row0) + 0.5f) * ch - lh / 2),
                    col, s.c_str());
    }
    ImGui::PopFont();
}

}  // namespace

void draw_variants(ViewContext& ctx) {
    toolbar(ctx);
    const int count = static_cast<int>(ctx.scene.columns.size());
    if (count == 0) {
        ImGui::Spacing();
        ImGui::TextDisabled("No columns. Add one with \"+ Add column\", or load a preset from the sidebar.");
        return;
    }
    const GridMetrics m = grid_metrics(ctx);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const int n = ctx.scene.n();
    const int rows_visible = ctx.ui.viewport.resolved(n).rows;
    // Row labels when rows are tall enough to read them: a gutter left of the grid.
    float gutter = ctx.settings.row_labels ? ctx.theme.px(62) : 0.0f;
    GridFit fit = fit_grid(avail.x - gutter, avail.y, count, m, ctx.settings.grid_per_row);
    if (gutter > 0 && fit.map_side / static_cast<float>(rows_visible) < ctx.theme.px(8)) {
        gutter = 0;
        fit = fit_grid(avail.x, avail.y, count, m, ctx.settings.grid_per_row);
    }
    // Whole pixels per cell when cells are large: every cell the same size, edges crisp.
    if (fit.map_side / static_cast<float>(rows_visible) >= 4.0f)
        fit.map_side = std::floor(fit.map_side / static_cast<float>(rows_visible)) * static_cast<float>(rows_visible);
    ImGui::BeginChild("grid", avail, false,
                      ImGuiWindowFlags_NoBackground |
                          (fit.scrolls ? 0 : ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse));
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ctx.layout.panel("grid", origin, ImVec2(origin.x + avail.x, origin.y + avail.y));
    float row_map_y = -1.0f;  // labels follow the first map drawn in each grid row
    for (int i = 0; i < count; ++i) {
        const int gx = i % fit.per_row, gy = i / fit.per_row;
        const ImVec2 pos(gutter + static_cast<float>(gx) * (fit.cell_w + m.gap),
                         static_cast<float>(gy) * (fit.cell_h + m.gap));
        if (gx == 0) row_map_y = -1.0f;
        ImGui::SetCursorPos(pos);
        const float y = draw_cell(ctx, ctx.scene.columns[static_cast<std::size_t>(i)], i,
                                  ImVec2(fit.cell_w, fit.cell_h), fit.map_side, m);
        if (gutter > 0 && row_map_y < 0 && y >= 0) {
            row_map_y = y;
            label_gutter(ctx, ImVec2(origin.x, y), gutter, fit.map_side);
        }
    }
    ImGui::EndChild();
}

}  // namespace attnscope::gui
