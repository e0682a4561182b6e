// commands.hpp — every subcommand of `attnscope`; main.cpp calls each add_*_command in this order.
// To add one: declare add_<name>_command here, define it in cli/cmd_<name>.cpp, call it in main.cpp.
#pragma once

#include "command.hpp"

namespace attnscope::cli {

void add_eval_command(CLI::App& app, CommandList& commands);
void add_train_command(CLI::App& app, CommandList& commands);
void add_lengths_command(CLI::App& app, CommandList& commands);
void add_gui_command(CLI::App& app, CommandList& commands);     // cmd_gui.cpp: the lab window
void add_render_command(CLI::App& app, CommandList& commands);  // cmd_render.cpp: the window, headless, to PNG
void add_export_command(CLI::App& app, CommandList& commands);  // cmd_export.cpp: weights/metrics as CSV or npy
int run_gui_default();  // `attnscope` with no subcommand: the window, or the no-display PNG fallback

void add_bench_command(CLI::App& app, CommandList& commands);  // cmd_bench.cpp: the performance suite (issue 6)

}  // namespace attnscope::cli
