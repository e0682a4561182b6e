// draw_model.hpp — what the Model view (draw_model.cpp) exposes besides its draw function: its session, for tests
// and for a shell that wants to open a checkpoint from the command line.
#pragma once

#include "app/gui/model_session.hpp"
#include "app/gui/view_context.hpp"

namespace attnscope::gui {

// The Model view's session of this lab (created on first use; it opens the default model the first time the tab is
// drawn, not here).
ModelSession& model_view_session(UiState& ui);

}  // namespace attnscope::gui
