// theme.hpp — colours, fonts and UI scale of the lab: a dark theme for the screen, a light one for figures.
//
// Fonts: DejaVu Sans and DejaVu Sans Mono (Debian fonts-dejavu-core), with Greek and math symbols, at 15 px times
// the UI scale; when the files are missing, ImGui's built-in font scaled (ASCII only). The UI scale defaults to the
// monitor's content scale (HiDPI) and is a setting.
#pragma once

#include <imgui.h>

#include <cstdint>

namespace attnscope::gui {

struct Theme {
    bool light = false;
    float scale = 1.0f;
    ImU32 mask = 0, pruned = 0;  // heatmap cells off the support / pruned by selective attention
    ImU32 mask_hatch = 0;        // the diagonal lines drawn over masked cells
    ImU32 map_bg = 0, grid_line = 0;
    ImU32 lock_outline = 0, hover_outline = 0;
    ImU32 text_dim = 0, text_strong = 0, error = 0, accent = 0;
    ImU32 strip_bg = 0, strip_bar = 0, strip_undefined = 0;
    ImU32 query = 0, key = 0, value = 0, exact_value = 0;  // canvas points and output bars
    ImFont* font = nullptr;
    ImFont* mono = nullptr;
    ImFont* small = nullptr;

    float px(float points) const { return points * scale; }  // sizes scale with the UI
};

// Colours for light or dark; fonts are set by load_fonts.
Theme make_theme(bool light, float scale);

// ImGui style for the theme (colours, rounding, spacing scaled by theme.scale).
void apply_style(const Theme& theme);

// Rebuilds the font atlas at theme.scale and stores the fonts in `theme`. Call between frames; the renderer must
// re-upload the atlas texture afterwards. `system_fonts` = false uses ImGui's built-in font (tests).
void load_fonts(Theme& theme, bool system_fonts = true);

}  // namespace attnscope::gui
