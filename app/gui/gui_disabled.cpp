// gui_disabled.cpp — `gui`, `render` and the plain `attnscope` in a build configured with ATTNSCOPE_BUILD_GUI=OFF:
// the commands exist (so scripts get a clear answer instead of "unknown command") and exit 2 saying how to get them.
#include <CLI/CLI.hpp>

#include "app/cli/commands.hpp"
#include "core/errors.hpp"

namespace attnscope::cli {
namespace {

int disabled() {
    throw InputError("gui", "this attnscope was built without the window (ATTNSCOPE_BUILD_GUI=OFF)",
                     "reconfigure with -DATTNSCOPE_BUILD_GUI=ON (scripts/run.sh does), or use `attnscope export`");
}

}  // namespace

void add_gui_command(CLI::App& app, CommandList& commands) {
    CLI::App* sub = app.add_subcommand("gui", "The attention lab window (not in this build)");
    sub->allow_extras();
    commands.push_back({sub, disabled});
}

void add_render_command(CLI::App& app, CommandList& commands) {
    CLI::App* sub = app.add_subcommand("render", "Draw the lab window to a PNG (not in this build)");
    sub->allow_extras();
    commands.push_back({sub, disabled});
}

int run_gui_default() { return disabled(); }

}  // namespace attnscope::cli
