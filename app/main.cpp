// main.cpp — the `attnscope` executable: one program, several subcommands (DESIGN.md "One program").
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/run_guarded.hpp"

int main(int argc, char** argv) {
    using namespace attnscope::cli;
    CLI::App app{"attnscope — a desktop lab for attention variants"};
    app.set_version_flag("--version", "attnscope 0.1.0");
    app.require_subcommand(0, 1);

    CommandList commands;
    add_eval_command(app, commands);
    add_train_command(app, commands);
    add_lengths_command(app, commands);
    add_gui_command(app, commands);
    add_render_command(app, commands);
    add_export_command(app, commands);
    add_bench_command(app, commands);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);  // prints CLI11's message naming the option
        return kExitBadInput;
    }

    for (const Command& c : commands)
        if (c.sub && c.sub->parsed()) return run_guarded(c.sub->get_name(), c.run);

    return run_guarded("", run_gui_default);
}
