#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/apply_lock.hpp"
#include "test_store_support.hpp"

using store_test::StoreDir;
using namespace std::chrono_literals;

TEST_CASE("the apply lock excludes a second holder in the same process") {
  StoreDir dir;
  const auto db = dir.file("ascsync.db");
  auto first = store::ApplyLock::acquire(db);
  REQUIRE(first.ok());
  CHECK(first->path() == db + ".lock");
  auto second = store::ApplyLock::acquire(db);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == util::ErrorKind::conflict);
  CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);
  CHECK(second.error().message.find(db + ".lock") != std::string::npos);

  // A bounded wait still fails while the holder keeps it.
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(store::ApplyLock::acquire(db, 100ms).ok());
  CHECK(std::chrono::steady_clock::now() - start >= 100ms);

  { auto released = std::move(*first); }  // moved-into object releases at scope end
  CHECK(store::ApplyLock::acquire(db).ok());
}

TEST_CASE("the apply lock excludes another process and is released when it exits") {
  StoreDir dir;
  const auto db = dir.file("ascsync.db");
  int ready[2];
  int release[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(release) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    auto lock = store::ApplyLock::acquire(db);
    const char state = lock.ok() ? 'L' : 'E';
    (void)!::write(ready[1], &state, 1);
    char c;
    (void)!::read(release[0], &c, 1);  // returns when the parent closes its end
    ::_exit(lock.ok() ? 0 : 1);        // the kernel drops the flock with the process
  }
  ::close(ready[1]);
  ::close(release[0]);
  char state = 0;
  REQUIRE(::read(ready[0], &state, 1) == 1);
  REQUIRE(state == 'L');

  auto refused = store::ApplyLock::acquire(db);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("pid " + std::to_string(child)) != std::string::npos);

  ::close(release[1]);  // let the child exit; a waiting acquire then gets the lock
  auto waited = store::ApplyLock::acquire(db, 10s);
  CHECK(waited.ok());
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ::close(ready[0]);
}
