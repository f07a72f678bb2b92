#pragma once
// Exclusive right to apply changes for a database: flock() on "<db>.lock", held while the
// object lives. The holder writes its pid into the file so a refused caller can name it.
// flock() locks belong to an open file description, so two acquires in one process also
// exclude each other, and the kernel releases the lock if the holder dies.
#include <chrono>
#include <string>

#include "util/result.hpp"

namespace store {

class ApplyLock {
 public:
  // Takes the lock on "<db_path>.lock" (created when missing). When another holder has it,
  // retries until `wait` has passed (zero: fail at once) and then fails with kind conflict and
  // a message naming the holder's pid.
  static util::Result<ApplyLock> acquire(const std::string& db_path,
                                         std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  ApplyLock(ApplyLock&& other) noexcept;
  ApplyLock& operator=(ApplyLock&& other) noexcept;
  ApplyLock(const ApplyLock&) = delete;
  ApplyLock& operator=(const ApplyLock&) = delete;
  ~ApplyLock();

  const std::string& path() const { return m_path; }

 private:
  ApplyLock(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  void release();

  int m_fd = -1;
  std::string m_path;
};

}  // namespace store
