#include "util/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace util {

std::string describe_file_type(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "an unknown file type";
  }
}

Status check_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorKind::client, "cannot read " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::client,
                      path + " is " + describe_file_type(st.st_mode) + ", not a regular file");
  return ok_status();
}

namespace {

std::string mib(size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  // Why O_NONBLOCK: opening a FIFO for reading blocks until a writer appears; non-blocking, the
  // open returns at once and fstat below refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return make_error(ErrorKind::client, "cannot read " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(ErrorKind::client, "cannot read " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::client, "cannot read " + path + ": it is " + describe_file_type(st.st_mode) +
                                             ", not a regular file");
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > max_bytes)
    return make_error(ErrorKind::client, "cannot read " + path + ": it is " + std::to_string(st.st_size) +
                                             " bytes, more than the limit of " + mib(max_bytes));
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorKind::client, "cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    // Why: the file may grow between fstat and read; the cap holds for what is actually read.
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      return make_error(ErrorKind::client,
                        "cannot read " + path + ": it is larger than the limit of " + mib(max_bytes));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return make_error(ErrorKind::internal, "cannot create " + tmp + ": " + std::strerror(errno));
  auto fail = [&](const std::string& what) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::internal, "cannot " + what + " " + tmp + ": " + err);
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("set the mode of");
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    off += static_cast<size_t>(n);
  }
  // A failed fsync means the content may not be on disk: never rename such a file into place.
  if (::fsync(fd) != 0) return fail("flush");
  if (::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::internal, "cannot close " + tmp + ": " + err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::internal, "cannot rename " + tmp + " to " + path + ": " + err);
  }
  const auto dir = std::filesystem::path(path).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return make_error(ErrorKind::internal, "cannot open directory " + dir.string() +
                                               " to flush the rename of " + path + ": " +
                                               std::strerror(errno));
  const int synced = ::fsync(dfd);
  const int sync_errno = errno;
  ::close(dfd);
  if (synced != 0)
    return make_error(ErrorKind::internal, "cannot flush directory " + dir.string() + " after writing " +
                                               path + ": " + std::strerror(sync_errno));
  return ok_status();
}

Result<std::string> read_secret_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ErrorKind::auth, "cannot read key file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorKind::auth,
                      "key file " + path + " is " + describe_file_type(st.st_mode) + ", not a regular file");
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return make_error(ErrorKind::auth, "key file " + path + " is readable by group or others (mode " + mode +
                                           "); run: chmod 600 " + path);
  }
  auto content = read_file(path, k_max_secret_file_bytes);
  if (!content) return make_error(ErrorKind::auth, "key file: " + content.error().message);
  return content;
}

}  // namespace util
