#pragma once

namespace cli {

// Exit codes, Terraform style for plan: 0 = success / no changes, 2 = plan has changes.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_error = 1;
inline constexpr int k_exit_changes = 2;
inline constexpr int k_exit_usage = 64;

// Entry point of the ascsync binary; returns the process exit code.
int run(int argc, char** argv);

}  // namespace cli
