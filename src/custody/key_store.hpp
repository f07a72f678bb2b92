#pragma once
// The custody directory: where the private keys of ascsync's certificates live, one file per key,
// named by its public-key fingerprint. The daemon uses custody_directory(state_dir, team).
//
//   <state_dir>/custody/<team>/             0700, owned by the ascsync user
//     <fingerprint>.key.pem                 0600: PKCS#8 PEM, plain or encrypted (key.hpp)
//
// Order of use in a renewal (docs/certificates.md "Key custody"):
//   1. store.create_key()              key written and fsynced, fingerprint returned
//   2. journal the intent with the fingerprint (the caller, before any request)
//   3. make_csr(key, ...) and POST /v1/certificates with csr_content(csr)
//   4. parse_certificate_content + verify_matches(key, certificate, now) before trusting it
//   5. export_identity(...) for CI, if declared
// Crash recovery: certificates are matched to keys by fingerprint; find_orphans() lists keys no
// certificate and no unsettled intent claims.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "custody/passphrase.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"
#include "util/result.hpp"

namespace custody {

// "<state_dir>/custody/<team>". The team name must be a single path component (no '/', not "."
// or ".."), else ErrorKind::client.
util::Result<std::string> custody_directory(const std::string& state_dir, const std::string& team);

// A key file in the directory, as listing sees it (contents not read).
struct StoredKey {
  std::string fingerprint;
  std::string path;
  util::TimePoint modified;  // the file's mtime: when the key was written
};

// A freshly made key, already durable in the directory.
struct NewKey {
  std::string fingerprint;
  util::Pkey key;
};

class KeyStore {
 public:
  // Opens the custody directory, creating it (and missing parents) 0700 when absent; an existing
  // one must be ours and 0700-tight (private_files.hpp; the error says what to chmod). With a
  // passphrase, keys written from now on are encrypted (key.hpp) and encrypted keys can be read;
  // plain keys already there stay readable, so encryption can be switched on at any time.
  static util::Result<KeyStore> open(const std::string& directory, std::optional<Passphrase> passphrase = {});

  const std::string& directory() const { return m_directory; }
  bool encrypts() const { return m_passphrase.has_value(); }

  // Generates an RSA 2048 key and stores it (store_key). Journal the returned fingerprint before
  // anything about this key leaves the process.
  util::Result<NewKey> create_key();

  // Writes `key` as <fingerprint>.key.pem, 0600, atomically and durably, then reads it back and
  // checks the fingerprint, so a key is never reported stored unless it can be loaded. Storing a
  // key that is already there (same fingerprint, loadable) succeeds without rewriting it.
  // Returns the fingerprint.
  util::Result<std::string> store_key(EVP_PKEY* key);

  // Loads the key with this fingerprint and verifies that its public key has that fingerprint.
  // ErrorKind::not_found when there is no such file; ErrorKind::auth for a file with loose
  // permissions, a wrong passphrase or a fingerprint mismatch (the file was replaced or damaged).
  util::Result<util::Pkey> load_key(const std::string& fingerprint) const;

  // True when a key file with this fingerprint exists (not read, not verified).
  bool has_key(const std::string& fingerprint) const;

  // Every <fingerprint>.key.pem in the directory, sorted by fingerprint. Other names (temporary
  // files of an interrupted write, anything else) are ignored.
  util::Result<std::vector<StoredKey>> list_keys() const;

  // Deletes the key file and fsyncs the directory. Only after the certificate issued for it has
  // been revoked (or was never issued): a deleted key cannot be recovered, and a certificate
  // without its key still holds one of the team's slots. Absent already: success.
  util::Status remove_key(const std::string& fingerprint);

  // Keys that nothing claims: `claimed` must hold the public-key fingerprints of every
  // certificate in the mirror AND of every journal intent not yet settled. Such a key is left
  // from a crash before the request was sent, or from a request Apple refused; the caller
  // decides (typically: remove once the intent is settled as failed).
  util::Result<std::vector<StoredKey>> find_orphans(const std::set<std::string>& claimed) const;

  // <directory>/<fingerprint>.key.pem (fingerprint must pass is_fingerprint).
  std::string key_path(const std::string& fingerprint) const;

 private:
  KeyStore(std::string directory, std::optional<Passphrase> passphrase)
      : m_directory(std::move(directory)), m_passphrase(std::move(passphrase)) {}
  const Passphrase* passphrase() const { return m_passphrase ? &*m_passphrase : nullptr; }

  std::string m_directory;
  std::optional<Passphrase> m_passphrase;
};

}  // namespace custody
