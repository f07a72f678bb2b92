#include "custody/passphrase.hpp"

#include <openssl/crypto.h>

#include <filesystem>

#include "util/files.hpp"

namespace custody {

Passphrase::Passphrase(std::string&& bytes) : m_bytes(std::move(bytes)) {
  // Why: a moved-from std::string keeps short contents in its small-string buffer.
  // NOLINTNEXTLINE(bugprone-use-after-move): wiping the moved-from buffer is the point.
  OPENSSL_cleanse(bytes.data(), bytes.capacity());
  bytes.clear();
}

Passphrase::~Passphrase() {
  wipe();
}

Passphrase::Passphrase(Passphrase&& other) noexcept : m_bytes(std::move(other.m_bytes)) {
  other.wipe();
}

Passphrase& Passphrase::operator=(Passphrase&& other) noexcept {
  if (this != &other) {
    wipe();
    m_bytes = std::move(other.m_bytes);
    other.wipe();
  }
  return *this;
}

void Passphrase::wipe() {
  OPENSSL_cleanse(m_bytes.data(), m_bytes.capacity());
  m_bytes.clear();
}

std::string PassphraseSource::describe() const {
  return kind == Kind::file ? "file " + value : "systemd credential " + value;
}

util::Result<Passphrase> read_passphrase(const PassphraseSource& source,
                                         const std::string& credentials_directory) {
  std::string path;
  if (source.kind == PassphraseSource::Kind::file) {
    if (source.value.empty())
      return util::make_error(util::ErrorKind::auth, "the passphrase file name is empty");
    path = source.value;
  } else {
    const std::string& name = source.value;
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      return util::make_error(util::ErrorKind::auth,
                              "'" + name +
                                  "' is not a systemd credential name (a single file "
                                  "name without '/', as in LoadCredential=NAME:/path)");
    if (credentials_directory.empty())
      return util::make_error(util::ErrorKind::auth,
                              "systemd credential " + name +
                                  " is needed but $CREDENTIALS_DIRECTORY is not set; add LoadCredential=" +
                                  name + ":/path/to/file to the service unit, or name a file instead");
    path = (std::filesystem::path(credentials_directory) / name).string();
  }
  auto text = util::read_secret_file(path);
  if (!text) {
    // read_secret_file talks about "key file"; say what this one is for. Its messages carry the
    // path and the mode, never the content.
    return util::make_error(util::ErrorKind::auth, "cannot read the passphrase (" + source.describe() +
                                                       "): " + text.error().message);
  }
  std::string& bytes = *text;
  if (!bytes.empty() && bytes.back() == '\n') {
    bytes.pop_back();
    if (!bytes.empty() && bytes.back() == '\r') bytes.pop_back();
  }
  Passphrase out(std::move(bytes));  // wipes what the move leaves behind
  if (out.empty())
    return util::make_error(util::ErrorKind::auth, "the passphrase (" + source.describe() +
                                                       ") is empty; write a passphrase into it");
  return out;
}

}  // namespace custody
