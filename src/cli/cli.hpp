#pragma once

namespace cli {

// Entry point of the ascsync binary; returns the process exit code.
int run(int argc, char** argv);

}  // namespace cli
