#include "service/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <system_error>

namespace service {

namespace {

constexpr int k_signals[] = {SIGHUP, SIGTERM, SIGINT};

// The handler may only touch async-signal-safe state: a lock-free atomic holding the fd.
std::atomic<int> g_write_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction g_previous[std::size(k_signals)];

extern "C" void on_signal(int signo) {
  const int saved_errno = errno;
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(signo);
    // A full pipe drops the byte: enough of the same signals are already queued.
    [[maybe_unused]] const ssize_t n = write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

SignalWatcher::SignalWatcher() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  int expected = -1;
  if (!g_write_fd.compare_exchange_strong(expected, fds[1])) {
    close(fds[0]);
    close(fds[1]);
    throw std::logic_error("only one SignalWatcher may exist at a time");
  }
  m_read_fd = fds[0];
  m_write_fd = fds[1];
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < std::size(k_signals); ++i) sigaction(k_signals[i], &sa, &g_previous[i]);
}

SignalWatcher::~SignalWatcher() {
  for (size_t i = 0; i < std::size(k_signals); ++i) sigaction(k_signals[i], &g_previous[i], nullptr);
  g_write_fd.store(-1);
  close(m_read_fd);
  close(m_write_fd);
}

std::optional<SignalEvent> SignalWatcher::next() {
  unsigned char byte = 0;
  while (true) {
    const ssize_t n = read(m_read_fd, &byte, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
  return byte == SIGHUP ? SignalEvent::reload : SignalEvent::stop;
}

}  // namespace service
