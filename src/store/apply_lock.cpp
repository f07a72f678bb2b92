#include "store/apply_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "util/strings.hpp"

namespace store {

namespace {

// The pid the current holder wrote, or "" when the file does not say.
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  return util::trim(std::string(buf, static_cast<size_t>(n)));
}

void write_pid(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
}

}  // namespace

util::Result<ApplyLock> ApplyLock::acquire(const std::string& db_path, std::chrono::milliseconds wait) {
  std::string path = db_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return util::make_error(util::ErrorKind::internal,
                            "cannot open apply lock " + path + ": " + std::strerror(errno) +
                                "; check the directory is writable by the ascsync user");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      write_pid(fd);
      return ApplyLock(fd, std::move(path));
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return util::make_error(util::ErrorKind::internal, "cannot lock " + path + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    // A real wait for another process; there is no clock to fake here.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string pid = holder_pid(fd);
  ::close(fd);
  return util::make_error(util::ErrorKind::conflict,
                          "another ascsync (pid " + (pid.empty() ? std::string("unknown") : pid) +
                              ") is applying changes to this database (" + path +
                              "); wait for it to finish, or stop it if it is stuck");
}

ApplyLock::ApplyLock(ApplyLock&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
  other.m_fd = -1;
}

ApplyLock& ApplyLock::operator=(ApplyLock&& other) noexcept {
  if (this != &other) {
    release();
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

ApplyLock::~ApplyLock() {
  release();
}

void ApplyLock::release() {
  if (m_fd < 0) return;
  // Clear the pid first so a later reader never blames a process that has let go.
  (void)!::ftruncate(m_fd, 0);
  ::flock(m_fd, LOCK_UN);
  ::close(m_fd);
  m_fd = -1;
}

}  // namespace store
