// custody: key generation, fingerprints, the custody directory (plain and encrypted keys, list,
// remove, orphans).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "custody/key.hpp"
#include "custody/key_store.hpp"
#include "support/shell.hpp"
#include "support/temp_dir.hpp"
#include "util/files.hpp"

namespace {

unsigned custody_file_mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

custody::Passphrase custody_pass(const char* text) {
  return custody::Passphrase(std::string(text));
}

}  // namespace

TEST_CASE("custody: a signing key is RSA 2048 and its fingerprint is SHA-256 of the DER public key") {
  auto key = custody::generate_signing_key();
  REQUIRE(key.ok());
  CHECK(EVP_PKEY_get_base_id(key->get()) == EVP_PKEY_RSA);
  CHECK(EVP_PKEY_get_bits(key->get()) == 2048);
  const std::string fingerprint = custody::public_key_fingerprint(key->get());
  CHECK(custody::is_fingerprint(fingerprint));
  CHECK(fingerprint == util::sha256_hex(util::public_key_to_der(key->get())));

  // The openssl CLI computes the same value from the key file.
  test_support::TempDir dir("custody-fp");
  const std::string pem_path = dir.write("k.pem", util::private_key_to_pem(key->get()));
  auto cli = test_support::run_command("openssl pkey -in " + pem_path +
                                       " -pubout -outform DER | openssl dgst -sha256 -r");
  REQUIRE(cli.exit_code == 0);
  CHECK(cli.output.substr(0, 64) == fingerprint);

  auto other = custody::generate_signing_key();
  REQUIRE(other.ok());
  CHECK(custody::public_key_fingerprint(other->get()) != fingerprint);
}

TEST_CASE("custody: is_fingerprint accepts only 64 lowercase hex digits") {
  CHECK(custody::is_fingerprint(std::string(64, 'a')));
  CHECK_FALSE(custody::is_fingerprint(std::string(64, 'A')));
  CHECK_FALSE(custody::is_fingerprint(std::string(63, 'a')));
  CHECK_FALSE(custody::is_fingerprint("../" + std::string(61, 'a')));
  CHECK_FALSE(custody::is_fingerprint(""));
}

TEST_CASE("custody: a plain key round-trips through the custody directory") {
  test_support::TempDir tmp("custody-plain");
  const std::string dir = tmp.str("state/custody/acme");
  auto store = custody::KeyStore::open(dir);
  REQUIRE_MESSAGE(store.ok(), store.error().message);
  CHECK(custody_file_mode(dir) == 0700);
  CHECK(custody_file_mode(tmp.str("state/custody")) == 0700);
  CHECK_FALSE(store->encrypts());

  auto made = store->create_key();
  REQUIRE_MESSAGE(made.ok(), made.error().message);
  CHECK(custody::public_key_fingerprint(made->key.get()) == made->fingerprint);
  const std::string path = store->key_path(made->fingerprint);
  CHECK(path == dir + "/" + made->fingerprint + ".key.pem");
  CHECK(custody_file_mode(path) == 0600);
  auto text = util::read_file(path);
  REQUIRE(text.ok());
  CHECK(text->find("-----BEGIN PRIVATE KEY-----") != std::string::npos);

  auto loaded = store->load_key(made->fingerprint);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  CHECK(EVP_PKEY_eq(loaded->get(), made->key.get()) == 1);

  // Storing the same key again is a no-op success.
  auto again = store->store_key(made->key.get());
  REQUIRE(again.ok());
  CHECK(*again == made->fingerprint);
}

TEST_CASE("custody: an encrypted key round-trips; openssl reads it with the passphrase") {
  test_support::TempDir tmp("custody-enc");
  const std::string dir = tmp.str("custody");
  auto store = custody::KeyStore::open(dir, custody_pass("correct horse battery staple"));
  REQUIRE(store.ok());
  CHECK(store->encrypts());
  auto made = store->create_key();
  REQUIRE_MESSAGE(made.ok(), made.error().message);
  const std::string path = store->key_path(made->fingerprint);
  auto text = util::read_file(path);
  REQUIRE(text.ok());
  CHECK(text->find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos);
  CHECK(text->find("-----BEGIN PRIVATE KEY-----") == std::string::npos);

  auto loaded = store->load_key(made->fingerprint);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  CHECK(EVP_PKEY_eq(loaded->get(), made->key.get()) == 1);

  // The format: PBES2 with scrypt and AES-256-CBC, readable by the openssl CLI.
  const std::string pass_file = tmp.write("pass", "correct horse battery staple");
  auto asn1 = test_support::run_command("openssl asn1parse -in " + path);
  REQUIRE(asn1.exit_code == 0);
  CHECK(asn1.output.find("PBES2") != std::string::npos);
  CHECK(asn1.output.find(":scrypt") != std::string::npos);
  CHECK(asn1.output.find("INTEGER           :4000") != std::string::npos);  // N = 16384
  CHECK(asn1.output.find("aes-256-cbc") != std::string::npos);
  auto cli = test_support::run_command("openssl pkey -in " + path + " -passin file:" + pass_file +
                                       " -pubout -outform DER | openssl dgst -sha256 -r");
  REQUIRE(cli.exit_code == 0);
  CHECK(cli.output.substr(0, 64) == made->fingerprint);
}

TEST_CASE("custody: a wrong or missing passphrase is a clear error that does not contain the passphrase") {
  test_support::TempDir tmp("custody-wrongpass");
  const std::string dir = tmp.str("custody");
  std::string fingerprint;
  {
    auto store = custody::KeyStore::open(dir, custody_pass("the-right-one-4711"));
    REQUIRE(store.ok());
    auto made = store->create_key();
    REQUIRE(made.ok());
    fingerprint = made->fingerprint;
  }
  {
    auto store = custody::KeyStore::open(dir, custody_pass("Wrong-Passphrase-0815"));
    REQUIRE(store.ok());
    auto loaded = store->load_key(fingerprint);
    REQUIRE_FALSE(loaded.ok());
    const std::string message = loaded.error().describe();
    CHECK(loaded.error().kind == util::ErrorKind::auth);
    CHECK(message.find("wrong passphrase") != std::string::npos);
    CHECK(message.find(fingerprint) != std::string::npos);
    CHECK(message.find("Wrong-Passphrase-0815") == std::string::npos);
    CHECK(message.find("the-right-one-4711") == std::string::npos);
    CHECK(message.find("PRIVATE KEY") == std::string::npos);
  }
  {
    auto store = custody::KeyStore::open(dir);
    REQUIRE(store.ok());
    auto loaded = store->load_key(fingerprint);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.find("no passphrase is configured") != std::string::npos);
  }
}

TEST_CASE("custody: a plain key stays readable after encryption is switched on") {
  test_support::TempDir tmp("custody-migrate");
  const std::string dir = tmp.str("custody");
  std::string plain_fp;
  {
    auto store = custody::KeyStore::open(dir);
    REQUIRE(store.ok());
    auto made = store->create_key();
    REQUIRE(made.ok());
    plain_fp = made->fingerprint;
  }
  auto store = custody::KeyStore::open(dir, custody_pass("now-encrypted"));
  REQUIRE(store.ok());
  CHECK(store->load_key(plain_fp).ok());
  auto made = store->create_key();
  REQUIRE(made.ok());
  CHECK(custody::is_encrypted_pem(*util::read_file(store->key_path(made->fingerprint))));
}

TEST_CASE("custody: loading verifies the fingerprint the file name promises") {
  test_support::TempDir tmp("custody-mismatch");
  auto store = custody::KeyStore::open(tmp.str("custody"));
  REQUIRE(store.ok());
  auto a = store->create_key();
  auto b = store->create_key();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // Someone copies key b over key a's file.
  std::filesystem::copy_file(store->key_path(b->fingerprint), store->key_path(a->fingerprint),
                             std::filesystem::copy_options::overwrite_existing);
  auto loaded = store->load_key(a->fingerprint);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().kind == util::ErrorKind::auth);
  CHECK(loaded.error().message.find("holds the key with fingerprint " + b->fingerprint) != std::string::npos);
  // And store_key refuses to treat that file as key a.
  CHECK_FALSE(store->store_key(a->key.get()).ok());

  auto missing = store->load_key(std::string(64, '0'));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == util::ErrorKind::not_found);
  auto bad = store->load_key("../../etc/passwd");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("not a key fingerprint") != std::string::npos);
}

TEST_CASE("custody: list, remove and orphans") {
  test_support::TempDir tmp("custody-list");
  auto store = custody::KeyStore::open(tmp.str("custody"));
  REQUIRE(store.ok());
  auto a = store->create_key();
  auto b = store->create_key();
  auto c = store->create_key();
  REQUIRE((a.ok() && b.ok() && c.ok()));
  // Files that are not keys are ignored: an interrupted write's temp file, a note.
  tmp.write("custody/" + a->fingerprint + ".key.pem.tmp.12345", "partial");
  tmp.write("custody/README", "hello");

  auto listed = store->list_keys();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  std::set<std::string> names;
  for (const auto& k : *listed) {
    names.insert(k.fingerprint);
    CHECK(k.path == store->key_path(k.fingerprint));
    CHECK(k.modified.time_since_epoch().count() > 0);
  }
  CHECK(names == std::set<std::string>{a->fingerprint, b->fingerprint, c->fingerprint});
  CHECK(std::is_sorted(listed->begin(), listed->end(),
                       [](const auto& x, const auto& y) { return x.fingerprint < y.fingerprint; }));

  auto orphans = store->find_orphans({a->fingerprint, "ffff"});
  REQUIRE(orphans.ok());
  std::set<std::string> orphan_names;
  for (const auto& k : *orphans) orphan_names.insert(k.fingerprint);
  CHECK(orphan_names == std::set<std::string>{b->fingerprint, c->fingerprint});

  REQUIRE(store->remove_key(b->fingerprint).ok());
  CHECK_FALSE(store->has_key(b->fingerprint));
  CHECK(store->remove_key(b->fingerprint).ok());  // already gone: still success
  CHECK(store->list_keys()->size() == 2);
  CHECK_FALSE(store->remove_key("nope").ok());
}

TEST_CASE("custody: custody_directory is <state_dir>/custody/<team> and refuses path tricks") {
  auto dir = custody::custody_directory("/var/lib/ascsync", "acme");
  REQUIRE(dir.ok());
  CHECK(*dir == "/var/lib/ascsync/custody/acme");
  CHECK_FALSE(custody::custody_directory("/var/lib/ascsync", "..").ok());
  CHECK_FALSE(custody::custody_directory("/var/lib/ascsync", "a/b").ok());
  CHECK_FALSE(custody::custody_directory("/var/lib/ascsync", "").ok());
  CHECK_FALSE(custody::custody_directory("", "acme").ok());
}

TEST_CASE("custody: keys made by openssl load; a traditional encrypted PEM is recognised as encrypted") {
  test_support::TempDir tmp("custody-foreign-pem");
  const std::string pass = tmp.write("pass", "openssl-pass");
  auto gen = test_support::run_command(
      "(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + tmp.str("plain.pem") +
      " && openssl pkcs8 -topk8 -scrypt -in " + tmp.str("plain.pem") + " -passout file:" + pass + " -out " +
      tmp.str("scrypt.pem") + " && openssl rsa -traditional -aes256 -in " + tmp.str("plain.pem") +
      " -passout file:" + pass + " -out " + tmp.str("trad.pem") + ")");
  REQUIRE_MESSAGE(gen.exit_code == 0, gen.output);
  const custody::Passphrase right(std::string("openssl-pass"));
  auto plain = custody::read_private_key_pem(*util::read_file(tmp.str("plain.pem")), nullptr, "plain");
  REQUIRE(plain.ok());
  auto scrypt = custody::read_private_key_pem(*util::read_file(tmp.str("scrypt.pem")), &right, "scrypt");
  REQUIRE(scrypt.ok());
  CHECK(EVP_PKEY_eq(plain->get(), scrypt->get()) == 1);

  const std::string trad = *util::read_file(tmp.str("trad.pem"));
  CHECK(custody::is_encrypted_pem(trad));
  auto no_pass = custody::read_private_key_pem(trad, nullptr, "trad");
  REQUIRE_FALSE(no_pass.ok());
  CHECK(no_pass.error().message.find("no passphrase is configured") != std::string::npos);
  auto with_pass = custody::read_private_key_pem(trad, &right, "trad");
  REQUIRE(with_pass.ok());
  CHECK(EVP_PKEY_eq(plain->get(), with_pass->get()) == 1);
}
