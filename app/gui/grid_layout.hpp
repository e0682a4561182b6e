// grid_layout.hpp — how the variant columns share the window: pure arithmetic, tested without a window.
//
// Each column is a cell: header, then the square map with its per-query strips to the right (aligned with the map
// rows), then the colour bar and the output of the locked query. fit_grid picks how many columns go in one row so
// that the maps are as large as possible (six columns in a 1600 x 900 window: two rows of three); when even one
// per row leaves maps below min_map, cells keep min_map and the grid scrolls.
#pragma once

namespace attnscope::gui {

struct GridMetrics {  // points, already scaled by the UI scale
    float header_h = 26, colorbar_h = 34, output_h = 58;
    float strip_w = 16, strip_gap = 3;
    int strips = 6;
    float label_w = 0;  // row labels left of the map (0: none)
    float pad = 8;      // inner padding of a cell
    float gap = 8;      // between cells
    float min_map = 64;
    float strips_width() const { return strips > 0 ? strips * (strip_w + strip_gap) + strip_gap : 0; }
};

struct GridFit {
    int per_row = 1;
    int rows = 1;
    float cell_w = 0, cell_h = 0;
    float map_side = 0;
    bool scrolls = false;
};

// avail_w x avail_h: the area for the grid; columns >= 1. forced_per_row > 0 fixes the columns per row.
GridFit fit_grid(float avail_w, float avail_h, int columns, const GridMetrics& m, int forced_per_row = 0);

}  // namespace attnscope::gui
