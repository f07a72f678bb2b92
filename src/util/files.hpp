#pragma once
#include <cstddef>
#include <string>

#include "util/result.hpp"

namespace util {

// Size caps for files read from configuration. Input files (YAML, CSV) are small in practice:
// a team of 10,000 testers is well under 1 MiB of YAML or CSV.
inline constexpr size_t k_max_input_file_bytes = 16u * 1024 * 1024;  // YAML, CSV
inline constexpr size_t k_max_secret_file_bytes = 64u * 1024;        // .p8 keys, admin tokens

// Reads a whole regular file, safely: opened non-blocking (a FIFO cannot hang the reader), then
// checked with fstat on the open descriptor — a directory, FIFO, socket or device is refused —
// and read only up to max_bytes (a larger file, or one that grows past the cap while being
// read, is refused). Every error names the path and says what was expected.
Result<std::string> read_file(const std::string& path, size_t max_bytes = k_max_input_file_bytes);
// Writes atomically (temp file + rename) with the given mode, fsyncing file and directory.
Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
// Reads a secret (an API key, a token) like read_file with the secret cap. Refuses files that
// group or others may read, with a chmod hint.
Result<std::string> read_secret_file(const std::string& path);

// "a directory", "a FIFO", "a socket", "a character device", "a block device", "a symbolic
// link", "a regular file", "an unknown file type": for messages about st_mode.
std::string describe_file_type(unsigned mode);
// Checks (without opening or reading it) that path names a regular file (following symlinks).
// The error says what it is instead.
Status check_regular_file(const std::string& path);

}  // namespace util
