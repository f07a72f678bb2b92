#pragma once
// SIGHUP, SIGTERM and SIGINT turned into bytes on a pipe (the self-pipe trick): the handler
// only write()s, the main loop poll()s the read end and does the work. Works whatever the
// signal masks of other threads are.
#include <optional>

namespace service {

enum class SignalEvent { reload, stop };

class SignalWatcher {
 public:
  // Installs the handlers. Only one watcher may exist at a time: throws std::logic_error on a
  // second one, std::system_error when the pipe cannot be made.
  SignalWatcher();
  // Restores the previous handlers.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The read end, to poll() for POLLIN.
  int fd() const { return m_read_fd; }
  // The next received signal, or std::nullopt when none is pending. Never blocks.
  std::optional<SignalEvent> next();

 private:
  int m_read_fd = -1;
  int m_write_fd = -1;
};

}  // namespace service
