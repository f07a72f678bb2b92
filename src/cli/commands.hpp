#pragma once
// The subcommands. Each registers itself on the CLI11 app and returns the exit code when run.
#include <CLI/CLI.hpp>
#include <functional>

#include "cli/context.hpp"

namespace cli {

using Runner = std::function<int()>;

// Each adds its subcommand to `app` and returns what runs it (called only when chosen).
Runner add_validate(CLI::App& app, GlobalOptions& global);
Runner add_mirror(CLI::App& app, GlobalOptions& global);
Runner add_status(CLI::App& app, GlobalOptions& global);
Runner add_show(CLI::App& app, GlobalOptions& global);
Runner add_plan(CLI::App& app, GlobalOptions& global);
Runner add_apply(CLI::App& app, GlobalOptions& global);
Runner add_run(CLI::App& app, GlobalOptions& global);
Runner add_trigger(CLI::App& app, GlobalOptions& global);
Runner add_export(CLI::App& app, GlobalOptions& global);
Runner add_export_identity(CLI::App& app, GlobalOptions& global);
Runner add_alerts(CLI::App& app, GlobalOptions& global);

}  // namespace cli
