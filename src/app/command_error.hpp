#pragma once
// Errors of the one-shot commands' app functions (export, export-identity): the message is the
// whole line the command shows after "error: ", the kind stays the cause's.
#include <string>
#include <utility>

#include "util/result.hpp"

namespace app {

inline util::Error command_error(const util::Error& cause, std::string line) {
  util::Error e = cause;
  e.message = std::move(line);
  e.http_status = 0;
  e.code.clear();
  return e;
}

}  // namespace app
