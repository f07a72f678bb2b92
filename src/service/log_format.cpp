#include "service/log_format.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace service {

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  // Checked against stderr itself: a child that inherited the variable but had stderr
  // redirected elsewhere must not emit <N> prefixes into a file.
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

std::optional<util::LogFormat> choose_log_format(std::string_view requested) {
  if (requested == "text") return util::LogFormat::text;
  if (requested == "json") return util::LogFormat::json;
  if (requested == "journal") return util::LogFormat::journal;
  if (requested == "auto") return stderr_is_journal() ? util::LogFormat::journal : util::LogFormat::text;
  return std::nullopt;
}

}  // namespace service
