#include "service/notify.hpp"

#include <spdlog/spdlog.h>
#include <time.h>

#include <cstdlib>
#include <string>

#ifdef ASCSYNC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#endif

namespace service {

namespace {

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

unsigned long long monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
         static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
}

}  // namespace

#ifdef ASCSYNC_HAVE_SYSTEMD

bool Notifier::send(std::string_view message) {
  const std::string msg(message);
  const int rc = sd_notify(0, msg.c_str());
  if (rc < 0) spdlog::debug("sd_notify failed: {}", rc);
  return rc > 0;
}

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(usec));
}

#else

// Without libsystemd: the documented protocol, one datagram to the AF_UNIX socket named by
// NOTIFY_SOCKET ('@' = abstract namespace).
bool Notifier::send(std::string_view message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if (len >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const ssize_t sent =
      sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), addr_len);
  close(fd);
  return sent == static_cast<ssize_t>(message.size());
}

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::atol(pid) != getpid())
    return std::nullopt;
  const long long v = std::atoll(usec);
  if (v <= 0) return std::nullopt;
  return std::chrono::microseconds(v);
}

#endif

void Notifier::ready(std::string_view status) const {
  send("READY=1\nSTATUS=" + one_line(status));
}

void Notifier::status(std::string_view status) const {
  send("STATUS=" + one_line(status));
}

void Notifier::reloading() const {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) +
       "\nSTATUS=Reloading configuration");
}

void Notifier::stopping() const {
  send("STOPPING=1\nSTATUS=Stopping");
}

void Notifier::watchdog() const {
  send("WATCHDOG=1");
}

}  // namespace service
