#pragma once
// sd_notify(3) for Type=notify services. Every call is a no-op when NOTIFY_SOCKET is unset
// (not started by systemd), so the daemon runs the same way in a terminal or a test.
#include <chrono>
#include <optional>
#include <string_view>

namespace service {

class Notifier {
 public:
  // READY=1 with a STATUS= line: start-up (or a reload) finished.
  void ready(std::string_view status) const;
  // STATUS=...: a one-line status shown by `systemctl status`.
  void status(std::string_view status) const;
  // RELOADING=1 with MONOTONIC_USEC=, as systemd 253+ expects for Type=notify-reload.
  void reloading() const;
  void stopping() const;
  // WATCHDOG=1: the main loop is alive.
  void watchdog() const;

  // The watchdog interval systemd expects pings within (WATCHDOG_USEC for this process), or
  // std::nullopt when the watchdog is off.
  static std::optional<std::chrono::microseconds> watchdog_interval();

 private:
  // Sends `message` to NOTIFY_SOCKET; false when it is unset or sending failed.
  static bool send(std::string_view message);
};

}  // namespace service
