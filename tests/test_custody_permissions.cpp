// custody: the custody directory and its files are refused when others can reach them; the
// passphrase comes from a private file or a systemd credential.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <type_traits>

#include "custody/key_store.hpp"
#include "custody/passphrase.hpp"
#include "support/temp_dir.hpp"

namespace {

template <typename T, typename = void>
struct custody_streamable : std::false_type {};
template <typename T>
struct custody_streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

// uid of an unprivileged user that is not us, for ownership refusals (root only).
constexpr uid_t k_custody_other_uid = 65534;

}  // namespace

// A passphrase cannot be formatted, streamed, copied or turned into a string by accident.
static_assert(!fmt::is_formattable<custody::Passphrase>::value);
static_assert(!custody_streamable<custody::Passphrase>::value);
static_assert(!std::is_copy_constructible_v<custody::Passphrase>);
static_assert(!std::is_convertible_v<custody::Passphrase, std::string>);
static_assert(!std::is_convertible_v<custody::Passphrase, std::string_view>);

TEST_CASE("custody: a custody directory that group or others can reach is refused with a chmod hint") {
  test_support::TempDir tmp("custody-perm-dir");
  const std::string dir = tmp.str("custody");
  std::filesystem::create_directories(dir);
  for (mode_t mode : {mode_t{0755}, mode_t{0750}, mode_t{0701}, mode_t{0770}}) {
    CAPTURE(mode);
    REQUIRE(::chmod(dir.c_str(), mode) == 0);
    auto store = custody::KeyStore::open(dir);
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().kind == util::ErrorKind::auth);
    CHECK(store.error().message.find("accessible by group or others") != std::string::npos);
    CHECK(store.error().message.find("run: chmod 700 " + dir) != std::string::npos);
  }
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  auto store = custody::KeyStore::open(dir);
  REQUIRE(store.ok());
  // Loosened later: writing and listing re-check.
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  CHECK_FALSE(store->create_key().ok());
  CHECK_FALSE(store->list_keys().ok());

  const std::string file = tmp.write("not-a-dir", "x");
  auto on_file = custody::KeyStore::open(file);
  REQUIRE_FALSE(on_file.ok());
  CHECK(on_file.error().message.find("not a directory") != std::string::npos);
}

TEST_CASE("custody: a new custody directory is 0700 whatever the umask") {
  test_support::TempDir tmp("custody-umask");
  const mode_t old = ::umask(0277);
  auto store = custody::KeyStore::open(tmp.str("a/b/custody"));
  ::umask(old);
  REQUIRE_MESSAGE(store.ok(), store.error().message);
  struct stat st {};
  REQUIRE(::stat(tmp.str("a/b/custody").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(store->create_key().ok());
}

TEST_CASE("custody: a key file that group or others can read is refused with a chmod hint") {
  test_support::TempDir tmp("custody-perm-key");
  auto store = custody::KeyStore::open(tmp.str("custody"));
  REQUIRE(store.ok());
  auto made = store->create_key();
  REQUIRE(made.ok());
  const std::string path = store->key_path(made->fingerprint);
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  auto loaded = store->load_key(made->fingerprint);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().kind == util::ErrorKind::auth);
  CHECK(loaded.error().message.find("run: chmod 600 " + path) != std::string::npos);
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  CHECK(store->load_key(made->fingerprint).ok());

  // A symbolic link in place of a key file is refused.
  auto other = store->create_key();
  REQUIRE(other.ok());
  const std::string link_path = store->key_path(std::string(64, 'e'));
  std::filesystem::create_symlink(store->key_path(other->fingerprint), link_path);
  auto via_link = store->load_key(std::string(64, 'e'));
  REQUIRE_FALSE(via_link.ok());
  CHECK(via_link.error().message.find("symbolic link") != std::string::npos);
}

TEST_CASE("custody: a directory or key owned by another user is refused") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: changing ownership needs root");
    return;
  }
  test_support::TempDir tmp("custody-owner");
  const std::string dir = tmp.str("custody");
  auto store = custody::KeyStore::open(dir);
  REQUIRE(store.ok());
  auto made = store->create_key();
  REQUIRE(made.ok());
  const std::string path = store->key_path(made->fingerprint);

  REQUIRE(::chown(path.c_str(), k_custody_other_uid, k_custody_other_uid) == 0);
  auto loaded = store->load_key(made->fingerprint);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message.find("is owned by uid 65534") != std::string::npos);
  CHECK(loaded.error().message.find("run: chown 0 " + path) != std::string::npos);
  REQUIRE(::chown(path.c_str(), 0, 0) == 0);

  REQUIRE(::chown(dir.c_str(), k_custody_other_uid, k_custody_other_uid) == 0);
  auto reopened = custody::KeyStore::open(dir);
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.error().message.find("custody directory " + dir + " is owned by uid 65534") !=
        std::string::npos);
}

TEST_CASE("custody: the passphrase is read from a private file or a systemd credential") {
  test_support::TempDir tmp("custody-pass");
  const std::string file = tmp.write("pass", "s3cret-Passphrase\n");
  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  auto pass = custody::read_passphrase(custody::PassphraseSource::file(file), "");
  REQUIRE_MESSAGE(pass.ok(), pass.error().message);
  CHECK(pass->reveal() == "s3cret-Passphrase");  // the trailing newline is dropped

  // Group-readable: refused, with a chmod hint and without the content.
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  auto loose = custody::read_passphrase(custody::PassphraseSource::file(file), "");
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.error().kind == util::ErrorKind::auth);
  CHECK(loose.error().message.find("chmod 600 " + file) != std::string::npos);
  CHECK(loose.error().message.find("s3cret") == std::string::npos);

  // Empty: refused.
  const std::string empty = tmp.write("empty", "\n");
  REQUIRE(::chmod(empty.c_str(), 0600) == 0);
  auto none = custody::read_passphrase(custody::PassphraseSource::file(empty), "");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("is empty") != std::string::npos);

  // A systemd credential: $CREDENTIALS_DIRECTORY/<name>.
  const std::string creds = tmp.str("creds");
  const std::string cred_file = tmp.write("creds/p12-password", "from-systemd\r\n");
  REQUIRE(::chmod(cred_file.c_str(), 0400) == 0);
  auto cred = custody::read_passphrase(custody::PassphraseSource::credential("p12-password"), creds);
  REQUIRE_MESSAGE(cred.ok(), cred.error().message);
  CHECK(cred->reveal() == "from-systemd");

  auto no_dir = custody::read_passphrase(custody::PassphraseSource::credential("p12-password"), "");
  REQUIRE_FALSE(no_dir.ok());
  CHECK(no_dir.error().message.find("$CREDENTIALS_DIRECTORY is not set") != std::string::npos);
  CHECK(no_dir.error().message.find("LoadCredential=p12-password:") != std::string::npos);
  CHECK_FALSE(custody::read_passphrase(custody::PassphraseSource::credential("../pass"), creds).ok());
  auto missing = custody::read_passphrase(custody::PassphraseSource::credential("other"), creds);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("systemd credential other") != std::string::npos);
}

TEST_CASE("custody: a moved passphrase leaves nothing behind") {
  custody::Passphrase a(std::string("moving-secret"));
  custody::Passphrase b(std::move(a));
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  CHECK(b.reveal() == "moving-secret");
  custody::Passphrase c(std::string("x"));
  c = std::move(b);
  CHECK(c.reveal() == "moving-secret");
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move)
}
