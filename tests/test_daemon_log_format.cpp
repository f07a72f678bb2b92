// Log format selection: explicit choices win, "auto" follows JOURNAL_STREAM only when it
// really describes stderr.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "service/log_format.hpp"

TEST_CASE("log format: explicit choices, auto and rejects") {
  ::unsetenv("JOURNAL_STREAM");
  CHECK(service::choose_log_format("text") == util::LogFormat::text);
  CHECK(service::choose_log_format("json") == util::LogFormat::json);
  CHECK(service::choose_log_format("journal") == util::LogFormat::journal);
  CHECK(service::choose_log_format("auto") == util::LogFormat::text);
  CHECK_FALSE(service::choose_log_format("xml").has_value());
  CHECK_FALSE(service::stderr_is_journal());

  struct stat st {};
  REQUIRE(fstat(STDERR_FILENO, &st) == 0);
  const std::string matching = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", matching.c_str(), 1);
  CHECK(service::stderr_is_journal());
  CHECK(service::choose_log_format("auto") == util::LogFormat::journal);
  CHECK(service::choose_log_format("json") == util::LogFormat::json);

  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  ::setenv("JOURNAL_STREAM", other.c_str(), 1);
  CHECK_FALSE(service::stderr_is_journal());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK(service::choose_log_format("auto") == util::LogFormat::text);
  ::unsetenv("JOURNAL_STREAM");
}
