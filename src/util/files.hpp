#pragma once
#include <string>

#include "util/result.hpp"

namespace util {

Result<std::string> read_file(const std::string& path);
// Writes atomically (temp file + rename) with the given mode, fsyncing file and directory.
Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
// Reads a secret (an API key). Refuses files that group or others may read, with a chmod hint.
Result<std::string> read_secret_file(const std::string& path);

}  // namespace util
