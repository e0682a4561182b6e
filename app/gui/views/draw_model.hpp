// draw_model.hpp — the Model view's UI state and the pieces its two files share (draw_model.cpp: toolbar and entry
// point; draw_model_panels.cpp: the own head, the query/key canvas and the variant grid), and its session for tests.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

#include "app/gui/model_session.hpp"
#include "app/gui/view_context.hpp"

namespace attnscope::gui {

// UI-only state of the view, one per lab (UiState::model_view).
struct ModelViewState {
    ModelSession session;
    bool tried_default = false;
    std::vector<ShippedModel> shipped;
    std::string path_buf = std::string(1024, '\0');
    std::string text_buf = std::string(16384, '\0');
    std::vector<int> text_tokens;  // the sequence the text field shows
    int gen_length = 64;
    int gen_seed = 1;
    int own_px = 0, card_px = 0, thumb_px = 0;  // the maps' sizes last frame, in pixels (the images' sizes)
    MapViewport viewport;                       // zoom of the view's maps (the lab's own viewport belongs to its scene)
    // Drag on the canvas.
    bool dragging = false;
    int drag_token = -1;
    bool drag_query = true;
    Eigen::VectorXd drag_start;
    ImVec2 drag_mouse0{0, 0};
    QkPlane plane, drag_plane;
    double half = 1.0, drag_half = 1.0;
    std::uint64_t plane_probe = 0;  // the probe the plane was computed from
    std::uint64_t gesture_counter = 0;
    // Where the dragged token's vector was before any override (drawn as a ghost).
    int ghost_token = -1;
    bool ghost_query = true;
    Eigen::VectorXd ghost;

    ModelViewState() : session(ModelSession::Mode::Async) {}
};

// The left column: the model's own map of the chosen head, the layer's heads, the prediction, the drag canvas.
void draw_model_own_panel(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height);
// The variant grid: one card per variant (map of the chosen head with the layer swapped, KL, top predictions).
void draw_model_grid(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height);
// Text colour from a theme colour.
inline ImVec4 theme_colour(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

// The Model view's session of this lab (created on first use; it opens the default model the first time the tab is
// drawn, not here).
ModelSession& model_view_session(UiState& ui);

}  // namespace attnscope::gui
