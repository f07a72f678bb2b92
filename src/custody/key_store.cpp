#include "custody/key_store.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "custody/key.hpp"
#include "custody/private_files.hpp"

namespace custody {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_key_suffix = ".key.pem";

// Wipes key material held in a string once it is no longer needed.
struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() { OPENSSL_cleanse(text.data(), text.capacity()); }
};

util::Error bad_fingerprint(const std::string& fingerprint) {
  return util::make_error(util::ErrorKind::client,
                          "'" + fingerprint + "' is not a key fingerprint (64 lowercase hex digits)");
}

}  // namespace

util::Result<std::string> custody_directory(const std::string& state_dir, const std::string& team) {
  if (state_dir.empty()) return util::make_error(util::ErrorKind::client, "the state directory is not set");
  if (team.empty() || team == "." || team == ".." || team.find('/') != std::string::npos)
    return util::make_error(util::ErrorKind::client,
                            "team name '" + team + "' cannot name a custody directory");
  return (fs::path(state_dir) / "custody" / team).string();
}

util::Result<KeyStore> KeyStore::open(const std::string& directory, std::optional<Passphrase> passphrase) {
  if (passphrase && passphrase->empty())
    return util::make_error(util::ErrorKind::auth, "the custody passphrase is empty");
  auto made = ensure_private_directory(directory);
  if (!made) return made.error();
  return KeyStore(directory, std::move(passphrase));
}

std::string KeyStore::key_path(const std::string& fingerprint) const {
  return (fs::path(m_directory) / (fingerprint + std::string(k_key_suffix))).string();
}

bool KeyStore::has_key(const std::string& fingerprint) const {
  std::error_code ec;
  return is_fingerprint(fingerprint) && fs::exists(fs::symlink_status(key_path(fingerprint), ec));
}

util::Result<NewKey> KeyStore::create_key() {
  auto key = generate_signing_key();
  if (!key) return key.error();
  auto fingerprint = store_key(key->get());
  if (!fingerprint) return fingerprint.error();
  return NewKey{std::move(*fingerprint), std::move(*key)};
}

util::Result<std::string> KeyStore::store_key(EVP_PKEY* key) {
  const std::string fingerprint = key ? public_key_fingerprint(key) : std::string();
  if (!is_fingerprint(fingerprint))
    return util::make_error(util::ErrorKind::internal, "cannot compute the key's public fingerprint");
  auto dir_ok = check_private_directory(m_directory);
  if (!dir_ok) return dir_ok.error();
  if (has_key(fingerprint)) {
    // Already in custody (a retried step): trust it only if it loads as this very key.
    auto existing = load_key(fingerprint);
    if (!existing) return existing.error();
    return fingerprint;
  }
  auto pem = private_key_pem(key, passphrase());
  if (!pem) return pem.error();
  WipeOnExit wipe{*pem};
  auto written = write_private_file(key_path(fingerprint), *pem);
  if (!written) return written.error();
  auto back = load_key(fingerprint);
  if (!back)
    return util::make_error(back.error().kind,
                            "the key just written does not read back: " + back.error().message);
  return fingerprint;
}

util::Result<util::Pkey> KeyStore::load_key(const std::string& fingerprint) const {
  if (!is_fingerprint(fingerprint)) return bad_fingerprint(fingerprint);
  const std::string path = key_path(fingerprint);
  auto text = read_private_file(path, "key file");
  if (!text) return text.error();
  WipeOnExit wipe{*text};
  auto key = read_private_key_pem(*text, passphrase(), "key file " + path);
  if (!key) return key.error();
  const std::string actual = public_key_fingerprint(key->get());
  if (actual != fingerprint)
    return util::make_error(util::ErrorKind::auth,
                            "key file " + path + " holds the key with fingerprint " + actual +
                                ", not the one its name says; it was replaced or damaged");
  return std::move(*key);
}

util::Result<std::vector<StoredKey>> KeyStore::list_keys() const {
  auto dir_ok = check_private_directory(m_directory);
  if (!dir_ok) return dir_ok.error();
  std::vector<StoredKey> out;
  std::error_code ec;
  for (fs::directory_iterator it(m_directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= k_key_suffix.size() || name.substr(name.size() - k_key_suffix.size()) != k_key_suffix)
      continue;
    const std::string fingerprint = name.substr(0, name.size() - k_key_suffix.size());
    if (!is_fingerprint(fingerprint)) continue;
    std::error_code time_ec;
    const auto mtime = fs::last_write_time(it->path(), time_ec);
    StoredKey key{fingerprint, it->path().string(), {}};
    if (!time_ec)
      key.modified =
          std::chrono::time_point_cast<util::TimePoint::duration>(std::chrono::file_clock::to_sys(mtime));
    out.push_back(std::move(key));
  }
  if (ec)
    return util::make_error(util::ErrorKind::internal,
                            "cannot list custody directory " + m_directory + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const StoredKey& a, const StoredKey& b) { return a.fingerprint < b.fingerprint; });
  return out;
}

util::Status KeyStore::remove_key(const std::string& fingerprint) {
  if (!is_fingerprint(fingerprint)) return bad_fingerprint(fingerprint);
  const std::string path = key_path(fingerprint);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return util::ok_status();
    return util::make_error(util::ErrorKind::internal,
                            "cannot delete key file " + path + ": " + std::strerror(errno));
  }
  return fsync_path(m_directory, true);
}

util::Result<std::vector<StoredKey>> KeyStore::find_orphans(const std::set<std::string>& claimed) const {
  auto keys = list_keys();
  if (!keys) return keys.error();
  std::vector<StoredKey> out;
  for (auto& key : *keys)
    if (!claimed.count(key.fingerprint)) out.push_back(std::move(key));
  return out;
}

}  // namespace custody
