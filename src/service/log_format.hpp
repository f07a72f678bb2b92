#pragma once
// Which log format `ascsync run` uses: JSON when asked, the journal's format when stderr is
// connected to journald (JOURNAL_STREAM names stderr's device:inode), plain text otherwise.
#include <optional>
#include <string_view>

#include "util/log.hpp"

namespace service {

// `requested`: "auto", "text", "json" or "journal"; std::nullopt for anything else.
std::optional<util::LogFormat> choose_log_format(std::string_view requested);

// True when JOURNAL_STREAM is set and matches stderr, i.e. systemd wired stderr to journald.
bool stderr_is_journal();

}  // namespace service
