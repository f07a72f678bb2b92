#pragma once
// Files only this process's user may touch: the custody directory (0700) and what lives in it
// (0600). Refusals say what is wrong and the command that fixes it.
#include <string>

#include "util/result.hpp"

namespace custody {

// Cap for a key file or a p12 read back: a PEM RSA key is under 4 KiB.
inline constexpr size_t k_max_private_file_bytes = 64u * 1024;

// Creates `directory` and any missing parents with mode 0700 (chmod'ed, whatever the umask),
// then checks it with check_private_directory. Existing directories are never re-moded.
util::Status ensure_private_directory(const std::string& directory);

// The directory must exist, be a directory, be owned by the effective user and give group and
// others no access at all (mode & 077 == 0). ErrorKind::auth; e.g. "custody directory D is
// accessible by group or others (mode 0755); run: chmod 700 D".
util::Status check_private_directory(const std::string& directory);

// Reads a file that must be a regular file (not a symbolic link: opened with O_NOFOLLOW), owned
// by the effective user, mode & 077 == 0, at most k_max_private_file_bytes. Checked on the open
// descriptor, so nothing can be swapped in between. ErrorKind::not_found when it does not exist,
// else ErrorKind::auth with the chmod/chown to run. `what` names it in messages ("key file").
util::Result<std::string> read_private_file(const std::string& path, const std::string& what);

// Writes atomically with mode 0600 (util::write_file_atomic: temp file, fsync, rename, fsync of
// the directory), then fsyncs file and directory once more with the results checked, so a
// success means the file is durable.
util::Status write_private_file(const std::string& path, const std::string& content);

// fsync of a file or directory (not following a symbolic link), the failure reported.
util::Status fsync_path(const std::string& path, bool directory);

}  // namespace custody
