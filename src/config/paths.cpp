#include "config/paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace config {

namespace fs = std::filesystem;

Environment Environment::from_process() {
  Environment env;
  if (const char* s = std::getenv("STATE_DIRECTORY")) env.state_directory = s;
  if (const char* c = std::getenv("CREDENTIALS_DIRECTORY")) env.credentials_directory = c;
  return env;
}

std::string resolve_path(const std::string& declared, const std::string& base_dir) {
  const fs::path p(declared);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

std::string directory_of(const std::string& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(file), ec);
  if (ec) abs = fs::path(file);
  fs::path dir = abs.lexically_normal().parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

std::optional<std::string> find_config_file(const std::string& declared, const std::string& base_dir,
                                            const std::string& credentials_directory,
                                            std::vector<std::string>* tried) {
  std::error_code ec;
  const std::string direct = resolve_path(declared, base_dir);
  if (tried) tried->push_back(direct);
  if (fs::exists(direct, ec)) return direct;
  if (!credentials_directory.empty()) {
    const std::string name = fs::path(declared).filename().string();
    // LoadCredential=NAME:/file gives "$CREDENTIALS_DIRECTORY/NAME"; LoadCredential=keys:/dir
    // (the shipped unit) gives one credential per file, named "keys_<file name>".
    if (!name.empty()) {
      for (const std::string& candidate : {name, "keys_" + name}) {
        const std::string cred = (fs::path(credentials_directory) / candidate).lexically_normal().string();
        if (tried) tried->push_back(cred);
        if (fs::exists(cred, ec)) return cred;
      }
    }
  }
  return std::nullopt;
}

}  // namespace config
