// train_length_tabs.hpp — the state behind the Train and Length tabs (one of each per process, as the tabs), for the
// window-less view tests: they start sessions or sweeps here, then draw the tabs and press their shortcuts.
#pragma once

#include "app/gui/length_panel_state.hpp"
#include "app/gui/train_panel_state.hpp"

namespace attnscope::gui {

TrainPanelState& train_tab_sessions();
TrainSetup& train_tab_setup();  // what Start uses
LengthJob& length_tab_job();

}  // namespace attnscope::gui
