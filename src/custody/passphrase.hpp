#pragma once
// Passphrases (the custody encryption passphrase, a p12 export password) as a type that cannot
// leak by accident: move-only, no conversion to std::string, no operator<< and no fmt formatter
// (so spdlog, fmt and iostreams refuse it at compile time), wiped from memory when destroyed.
// The only way to the bytes is reveal(), which the OpenSSL calls in this layer use.
#include <ostream>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace custody {

class Passphrase {
 public:
  // Takes the bytes (the argument is left empty). An empty passphrase is allowed here; the
  // readers below refuse one.
  explicit Passphrase(std::string&& bytes);
  ~Passphrase();
  Passphrase(Passphrase&& other) noexcept;
  Passphrase& operator=(Passphrase&& other) noexcept;
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;

  // The secret itself. Never pass it to a log, an error message or SQLite.
  std::string_view reveal() const { return m_bytes; }
  size_t size() const { return m_bytes.size(); }
  bool empty() const { return m_bytes.empty(); }

 private:
  void wipe();
  std::string m_bytes;
};

// Deleted so that `stream << passphrase` (and fmt/spdlog's ostream fallback) does not compile.
std::ostream& operator<<(std::ostream&, const Passphrase&) = delete;

// Where a passphrase comes from: a file, or a systemd credential (LoadCredential=NAME:...), read
// from $CREDENTIALS_DIRECTORY/NAME. Holds no secret, so it may be logged and stored.
struct PassphraseSource {
  enum class Kind { file, credential };
  Kind kind = Kind::file;
  std::string value;  // an absolute or relative path, or a credential name

  static PassphraseSource file(std::string path) { return {Kind::file, std::move(path)}; }
  static PassphraseSource credential(std::string name) { return {Kind::credential, std::move(name)}; }
  // "file /etc/ascsync/p12-password" or "systemd credential p12-password", for messages.
  std::string describe() const;
};

// Reads a passphrase. The file (or $CREDENTIALS_DIRECTORY/NAME, credentials_directory given by
// the caller, usually config::Environment) must be a regular file that group and others cannot
// access (util::read_secret_file's checks; the error says `chmod 600 ...`). One trailing "\n" or
// "\r\n" is dropped (editors add one); an empty passphrase is refused. A credential name with
// '/' or a missing credentials directory is an error that says how to set it up. ErrorKind::auth.
// Errors name the source, never its content.
util::Result<Passphrase> read_passphrase(const PassphraseSource& source,
                                         const std::string& credentials_directory);

}  // namespace custody
