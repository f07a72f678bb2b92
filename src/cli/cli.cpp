#include "cli/cli.hpp"

#include <cstdio>
#include <string>

namespace cli {

int run(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "--help";
  if (cmd == "--version" || cmd == "version") {
    std::printf("ascsync %s\n", ASCSYNC_VERSION);
    return 0;
  }
  std::printf("usage: ascsync <command> [options]\n\ncommands are being built; see README.md\n");
  return cmd == "--help" || cmd == "-h" || cmd == "help" ? 0 : 1;
}

}  // namespace cli
