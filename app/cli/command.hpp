// command.hpp — how a subcommand plugs into the `attnscope` executable.
//
// Each command lives in its own cmd_*.cpp and exposes add_*_command(), which adds a CLI11 subcommand and the
// action to run when it is chosen. main.cpp runs the chosen action under run_guarded(), which maps errors to the
// exit codes of DESIGN.md: 0 ok, 1 runtime failure, 2 bad usage or bad input.
#pragma once

#include <functional>
#include <vector>

namespace CLI {
class App;
}

namespace attnscope::cli {

struct Command {
    CLI::App* sub = nullptr;
    std::function<int()> run;
};
using CommandList = std::vector<Command>;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

}  // namespace attnscope::cli
