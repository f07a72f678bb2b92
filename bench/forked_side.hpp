#pragma once
// Set-up shared by the benchmarks that measure one side of a cycle in a forked child (bench_idle,
// bench_mirror): a scratch directory with a throwaway ES256 API key, and a fork made before the
// simulator exists, so the measured child is single-threaded and shares nothing with it.
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "util/crypto.hpp"
#include "util/files.hpp"

namespace bench {

struct Workspace {
  std::string dir;
  util::Pkey key;  // the API key whose public half the simulator is told about
};

// temp/<prefix>-<pid>/AuthKey.p8 (0600), a fresh P-256 key. Throws on failure.
inline Workspace make_workspace(const std::string& prefix) {
  Workspace w;
  w.dir = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(w.dir);
  w.key = util::generate_p256_key();
  if (!util::write_file_atomic(w.dir + "/AuthKey.p8", util::private_key_to_pem(w.key.get()), 0600))
    throw std::runtime_error("cannot write " + w.dir + "/AuthKey.p8");
  return w;
}

// The parent's ends of the two pipes to the child, and the child's pid.
struct ForkedSide {
  pid_t pid = -1;
  int to_child = -1;    // write: e.g. the simulator's port
  int from_child = -1;  // read: the child's results
};

// Forks; the child runs side(read_fd, write_fd), which must not return (it exits). Throws on failure.
inline ForkedSide fork_side(const std::function<void(int, int)>& side) {
  int to_child[2];
  int from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    side(to_child[0], from_child[1]);
    ::_exit(1);  // side() exits itself; never fall back into the parent's code
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  return {child, to_child[1], from_child[0]};
}

// Writes or reads exactly `size` bytes through a pipe end; false when it closed or failed.
inline bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

inline bool read_all(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace bench
