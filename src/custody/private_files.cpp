#include "custody/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/files.hpp"

namespace custody {

namespace {

std::string octal_mode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

// The ownership and mode checks shared by directories and files.
util::Status check_owner_and_mode(const struct stat& st, const std::string& path, const std::string& what,
                                  const char* chmod_mode) {
  const uid_t me = ::geteuid();
  if (st.st_uid != me)
    return util::make_error(util::ErrorKind::auth,
                            what + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
                                ", not by this process's uid " + std::to_string(me) + "; run: chown " +
                                std::to_string(me) + " " + path + " (as root), or run ascsync as its owner");
  if ((st.st_mode & 077) != 0)
    return util::make_error(util::ErrorKind::auth,
                            what + " " + path + " is accessible by group or others (mode " +
                                octal_mode(st.st_mode) + "); run: chmod " + chmod_mode + " " + path);
  return util::ok_status();
}

}  // namespace

util::Status check_private_directory(const std::string& directory) {
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0)
    return util::make_error(util::ErrorKind::auth,
                            "custody directory " + directory + " cannot be read: " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return util::make_error(util::ErrorKind::auth, "custody directory " + directory + " is " +
                                                       util::describe_file_type(st.st_mode) +
                                                       ", not a directory");
  return check_owner_and_mode(st, directory, "custody directory", "700");
}

util::Status ensure_private_directory(const std::string& directory) {
  namespace fs = std::filesystem;
  if (directory.empty()) return util::make_error(util::ErrorKind::client, "the custody directory is not set");
  const fs::path target = fs::path(directory).lexically_normal();
  fs::path partial;
  for (const auto& part : target) {
    partial /= part;
    if (partial == partial.root_path()) continue;
    if (::mkdir(partial.c_str(), 0700) == 0) {
      // Why chmod: mkdir's mode is masked by the umask, which may leave it unusable (0500) or,
      // for a caller that set a permissive one, nothing worse than 0700 anyway.
      if (::chmod(partial.c_str(), 0700) != 0)
        return util::make_error(util::ErrorKind::internal,
                                "cannot chmod 700 " + partial.string() + ": " + std::strerror(errno));
    } else if (errno != EEXIST) {
      return util::make_error(util::ErrorKind::internal, "cannot create custody directory " +
                                                             partial.string() + ": " + std::strerror(errno));
    }
  }
  return check_private_directory(directory);
}

util::Result<std::string> read_private_file(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      return util::make_error(util::ErrorKind::not_found, what + " " + path + " does not exist");
    if (err == ELOOP)
      return util::make_error(util::ErrorKind::auth,
                              what + " " + path + " is a symbolic link; custody files must be regular files");
    return util::make_error(util::ErrorKind::auth,
                            "cannot read " + what + " " + path + ": " + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return util::make_error(util::ErrorKind::auth,
                            "cannot read " + what + " " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return util::make_error(
        util::ErrorKind::auth,
        what + " " + path + " is " + util::describe_file_type(st.st_mode) + ", not a regular file");
  auto checked = check_owner_and_mode(st, path, what, "600");
  if (!checked) return checked.error();
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > k_max_private_file_bytes)
    return util::make_error(util::ErrorKind::auth, what + " " + path + " is " + std::to_string(st.st_size) +
                                                       " bytes, too large for a key file");
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t off = 0;
  while (off < out.size()) {
    const ssize_t n = ::read(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return util::make_error(util::ErrorKind::auth,
                              "cannot read " + what + " " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    off += static_cast<size_t>(n);
  }
  out.resize(off);
  return out;
}

util::Status fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (directory ? O_DIRECTORY : 0));
  if (fd < 0)
    return util::make_error(util::ErrorKind::internal, "cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0)
    return util::make_error(util::ErrorKind::internal, "cannot fsync " + path + ": " + std::strerror(err));
  return util::ok_status();
}

util::Status write_private_file(const std::string& path, const std::string& content) {
  auto written = util::write_file_atomic(path, content, 0600);
  if (!written) return written.error();
  // Why again: util::write_file_atomic does not report a failed fsync, and a key must be on disk
  // before its fingerprint is journaled. A second fsync of the file and its directory reports one.
  auto file_synced = fsync_path(path, false);
  if (!file_synced) return file_synced.error();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return fsync_path(dir.empty() ? "." : dir, true);
}

}  // namespace custody
