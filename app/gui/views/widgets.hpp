// widgets.hpp — the building blocks the views share: the heatmap panel, its colour bar, the per-query strips,
// the output bars, and small helpers (tooltips, number formatting).
#pragma once

#include <imgui.h>

#include <string>

#include "app/gui/view_context.hpp"

namespace attnscope::gui {

// ---------------------------------------------------------------------------------------------------------------------
// Heatmap panel
// ---------------------------------------------------------------------------------------------------------------------
struct HeatmapPanel {
    const char* id = "map";
    std::string slot;                     // texture slot and display request key
    std::string panel_name;               // layout record ("dpa.map")
    const HeatmapImage* image = nullptr;  // null while pending
    int n = 0;
    bool causal = true;
    std::string variant;  // spec id, for the layout file
    ImVec2 size{0, 0};    // points
    int column_id = -1;   // hover / lock propagation; -1: not a variant column
    DisplaySpec spec;     // colour map, scale, mask colours (size and viewport are filled in here)
};

struct HeatmapHit {
    bool hovered = false;
    int row = -1, col = -1;
};

// Draws the map at the cursor, handles hover, click-to-lock, wheel zoom, drag pan, double-click reset; records the
// display request and the layout. Returns the hovered cell (the caller writes the tooltip).
HeatmapHit draw_heatmap(ViewContext& ctx, const HeatmapPanel& p);

// Diagonal hatch over the masked part (x - y >= offset, pixels from p0) of a size.x x size.y map.
void draw_mask_hatch(ImDrawList* dl, ImVec2 p0, ImVec2 size, float offset, ImU32 colour, float spacing);

// Colour bar with tick numbers for an image's range (log: decades; signed: -max 0 +max), plus swatches for
// masked and pruned cells. Drawn at the cursor, `width` points wide.
void draw_colorbar(ViewContext& ctx, const HeatmapImage* image, const DisplaySpec& spec, float width, bool show_pruned);

// Per-query strips right of a map: `x` is the strips' left edge, `y` the map's top, `side` the map's height.
void draw_strips(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, ImVec2 top_left, float side);

// Bars of the locked query's output (and, for value-aware columns, the exact output and the error).
void draw_output(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, ImVec2 size);

// Parameter editor of one column (a popup body): emits SetColumn edits.
void draw_column_params(ViewContext& ctx, const SceneColumn& column);

// The grid of a 2-D point panel (the lab's canvas, the Model tab's query/key plane): lines at quarter steps of the
// half-range `half` around `centre` (the axes through it stronger), the x axis named with the half-range at its
// right end, the y axis named at its top. `ppu`: pixels per unit. Text in the current font.
void draw_plane_grid(ImDrawList* dl, const Theme& th, ImVec2 p0, ImVec2 p1, ImVec2 centre, float ppu, double half,
                     const char* name_x, const char* name_y);

// The text of a hover tooltip for cell (i, j) of a column.
void column_cell_tooltip(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, int i, int j);

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------
void help_marker(const char* text);                  // "(?)" with a wrapped tooltip
void section(const char* title);                     // a dim title over a separator (ImGui 1.86 has no SeparatorText)
void item_tooltip(const char* text);                 // tooltip for the last item when hovered
std::string fmt_value(double x, int digits = 4);     // "0.1234", "1.2e-05", "—" for NaN
std::string token_label(const Scene& scene, int i);  // "7 'cat'"
int focus_row(const ViewContext& ctx);               // locked query, else the last row
DisplaySpec base_display(const ViewContext& ctx, const SceneColumn* column);  // colour map, scale, masks
std::string column_slot(int column_id);                                       // "col:3"

}  // namespace attnscope::gui
