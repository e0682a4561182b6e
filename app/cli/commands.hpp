// commands.hpp — every subcommand of `attnscope`; main.cpp calls each add_*_command in this order.
// To add one: declare add_<name>_command here, define it in cli/cmd_<name>.cpp, call it in main.cpp.
#pragma once

#include "command.hpp"

namespace attnscope::cli {

void add_eval_command(CLI::App& app, CommandList& commands);
void add_train_command(CLI::App& app, CommandList& commands);
void add_lengths_command(CLI::App& app, CommandList& commands);

// What `attnscope` with no subcommand does until the window exists: every variant on the shipped example case.
int run_example_table();
void add_bench_command(CLI::App& app, CommandList& commands);  // cmd_bench.cpp: the performance suite (issue 6)

}  // namespace attnscope::cli
