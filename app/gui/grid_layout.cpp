#include "app/gui/grid_layout.hpp"

#include <algorithm>

namespace attnscope::gui {

namespace {

GridFit fit_for(float w, float h, int columns, const GridMetrics& m, int k) {
    GridFit f;
    f.per_row = k;
    f.rows = (columns + k - 1) / k;
    f.cell_w = (w - static_cast<float>(k - 1) * m.gap) / static_cast<float>(k);
    f.cell_h = (h - static_cast<float>(f.rows - 1) * m.gap) / static_cast<float>(f.rows);
    const float by_w = f.cell_w - 2 * m.pad - m.label_w - m.strips_width();
    const float by_h = f.cell_h - 2 * m.pad - m.header_h - m.colorbar_h - m.output_h;
    f.map_side = std::min(by_w, by_h);
    return f;
}

}  // namespace

GridFit fit_grid(float avail_w, float avail_h, int columns, const GridMetrics& m, int forced_per_row) {
    columns = std::max(columns, 1);
    GridFit best;
    if (forced_per_row > 0) {
        best = fit_for(avail_w, avail_h, columns, m, std::min(forced_per_row, columns));
    } else {
        best = fit_for(avail_w, avail_h, columns, m, 1);
        for (int k = 2; k <= columns; ++k) {
            const GridFit f = fit_for(avail_w, avail_h, columns, m, k);
            if (f.map_side >= best.map_side - 0.5f) best = f;  // ties: more columns per row (side by side)
        }
    }
    if (best.map_side < m.min_map) {
        // Too small: keep readable maps and let the grid scroll, with cells just large enough.
        best.map_side = m.min_map;
        best.cell_w = std::max(best.cell_w, m.min_map + 2 * m.pad + m.label_w + m.strips_width());
        best.cell_h = m.min_map + 2 * m.pad + m.header_h + m.colorbar_h + m.output_h;
        best.scrolls = true;
    }
    best.map_side = static_cast<float>(static_cast<int>(best.map_side));  // whole pixels: crisp cells
    return best;
}

}  // namespace attnscope::gui
