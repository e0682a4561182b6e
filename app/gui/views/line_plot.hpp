// line_plot.hpp — line plots drawn with ImDrawList (ImPlot is not packaged for Debian; DESIGN.md): axes with round
// ticks, one polyline per series in its colour, a hover read-out of the nearest point, and a legend. The Train view
// (loss and accuracy against step) and the Length view (against length and position) share it.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

#include "app/gui/train_panel_state.hpp"
#include "app/gui/view_context.hpp"
#include "core/variant_kind.hpp"

namespace attnscope::gui {

// Okabe-Ito colours per variant (colour-blind safe), stable across views and runs.
ImU32 variant_colour(VariantKind k);

struct PlotSeries {
    const Curve* curve = nullptr;
    ImU32 colour = 0;
    std::string label;
    bool markers = false;  // draw a dot at every point (sparse data: test accuracy, lengths)
    bool dashed = false;
};

struct PlotAxes {
    std::string title, x_label, y_label;
    CurveRange range;
    bool log2_x = false;     // x on a log2 axis (lengths); ticks at powers of two
    bool percent_y = false;  // y in [0, 1] shown as %
    std::vector<double> x_marks;  // vertical guide lines (e.g. the training length)
};

// Draws at the cursor, `size` points; records the panel rectangle as `panel` (for panel PNGs) when non-empty.
void draw_line_plot(ViewContext& ctx, const char* id, const std::string& panel, ImVec2 size, const PlotAxes& axes,
                    const std::vector<PlotSeries>& series);

// Round tick positions covering [lo, hi] (about `target` of them): steps of 1, 2 or 5 times a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int target);

// One row of colour swatches and labels.
void draw_legend(const std::vector<std::pair<ImU32, std::string>>& items);

}  // namespace attnscope::gui
