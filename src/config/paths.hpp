#pragma once
// Where files named in configuration live. Relative paths resolve against the directory of the
// file that names them, never against the working directory, so a config behaves the same
// whoever starts the daemon.
#include <optional>
#include <string>
#include <vector>

namespace config {

// The parts of the process environment the configuration depends on, injectable for tests.
struct Environment {
  std::string state_directory;        // $STATE_DIRECTORY (systemd StateDirectory=), may be empty
  std::string credentials_directory;  // $CREDENTIALS_DIRECTORY (systemd LoadCredential=), may be empty

  static Environment from_process();
};

// Absolute paths unchanged; relative ones joined to base_dir. Lexically normalized.
std::string resolve_path(const std::string& declared, const std::string& base_dir);

// The directory holding a file ("." when the path has none), made absolute.
std::string directory_of(const std::string& file);

// Finds a file named in configuration: the resolved path when it exists, else (when
// credentials_directory is set) credentials_directory/<file name>, as systemd's LoadCredential=
// provides it. Returns std::nullopt when neither exists; `tried` receives the places looked at.
std::optional<std::string> find_config_file(const std::string& declared, const std::string& base_dir,
                                            const std::string& credentials_directory,
                                            std::vector<std::string>* tried = nullptr);

}  // namespace config
