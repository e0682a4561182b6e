// view_registry.hpp — the tabs of the lab's main area, in order.
//
// ADDING A VIEW (a tab such as Model, Train or Length) is one new file and one line:
//   1. Create app/gui/views/draw_<name>.cpp defining `void draw_<name>(ViewContext& ctx)` in namespace
//      attnscope::gui. Draw with ImGui into the current window (the tab's area); read ctx.scene and ctx.results;
//      ask for scene changes with ctx.emit(SceneEdit{...}) (never mutate the scene); keep UI-only state in a struct of
//      your own inside the file or in ctx.ui; record panels with ctx.layout.panel("<name>", p0, p1) so
//      `attnscope render --panel <name>` and panel PNGs can find them. Long work goes to a worker thread (see
//      scheduler.hpp), never into the frame.
//   2. Add one line to ATTNSCOPE_LAB_VIEWS in view_registry.cpp: X(<name>, "<Title>", "<tooltip>").
// app/gui/CMakeLists.txt picks up every views/*.cpp by itself (CONFIGURE_DEPENDS), and the tab shows after
// "Variants", "Difference" and "Numerics". `attnscope render --tab <name>` draws it headless.
#pragma once

#include <span>

#include "app/gui/view_context.hpp"

namespace attnscope::gui {

struct ViewEntry {
    const char* id;       // stable name: settings, --tab, panel names
    const char* title;    // the tab's label
    const char* tooltip;  // one line shown when hovering the tab
    void (*draw)(ViewContext&);
};

std::span<const ViewEntry> view_registry();
const ViewEntry* find_view(std::string_view id);

}  // namespace attnscope::gui
