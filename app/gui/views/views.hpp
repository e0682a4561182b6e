// views.hpp — every draw_* view of the lab. Tabs in the main area are listed in view_registry.cpp; the sidebar,
// menu bar, status bar and the help/about/settings windows are drawn by the lab shell (lab.cpp).
#pragma once

#include "app/gui/view_context.hpp"

namespace attnscope::gui {

void draw_menu_bar(ViewContext& ctx);
void draw_status_bar(ViewContext& ctx, ImVec2 pos, ImVec2 size);
void draw_sidebar(ViewContext& ctx);             // presets, length, mask, dimensions, seed, canvas, table
void draw_canvas(ViewContext& ctx, float side);  // draggable queries and keys
void draw_token_table(ViewContext& ctx);         // exact values of Q, K, V and labels
void draw_help_window(ViewContext& ctx);
void draw_about_window(ViewContext& ctx);
void draw_settings_window(ViewContext& ctx);

// Main-area tabs (view_registry.cpp).
void draw_variants(ViewContext& ctx);
void draw_difference(ViewContext& ctx);
void draw_numerics(ViewContext& ctx);

}  // namespace attnscope::gui
