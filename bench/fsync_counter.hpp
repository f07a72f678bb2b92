#pragma once
// Counts fsyncs SQLite asks for: a VFS shim over the default VFS whose files forward every call
// to the real file and count xSync (each one an fsync/fdatasync of the main file, the WAL or the
// directory on creation). install() registers it as the default VFS, so every sqlite3_open after
// it goes through the shim; count() is the total since install(). Benchmarks only: one process,
// installed before any database is opened.
#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>

namespace bench {

namespace fsync_counter_detail {

inline std::atomic<long long> g_syncs{0};
inline sqlite3_vfs* g_real = nullptr;
inline sqlite3_vfs g_shim{};

// Our file: our methods first (what SQLite sees), the real VFS's file right after it.
struct ShimFile {
  sqlite3_file base;
};
inline sqlite3_file* real_file(sqlite3_file* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(ShimFile));
}
inline const sqlite3_io_methods* real_methods(sqlite3_file* f) {
  return real_file(f)->pMethods;
}

inline int x_close(sqlite3_file* f) {
  return real_methods(f)->xClose(real_file(f));
}
inline int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real_methods(f)->xRead(real_file(f), buf, n, off);
}
inline int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return real_methods(f)->xWrite(real_file(f), buf, n, off);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_methods(f)->xTruncate(real_file(f), size);
}
inline int x_sync(sqlite3_file* f, int flags) {
  g_syncs.fetch_add(1, std::memory_order_relaxed);
  return real_methods(f)->xSync(real_file(f), flags);
}
inline int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_methods(f)->xFileSize(real_file(f), size);
}
inline int x_lock(sqlite3_file* f, int level) {
  return real_methods(f)->xLock(real_file(f), level);
}
inline int x_unlock(sqlite3_file* f, int level) {
  return real_methods(f)->xUnlock(real_file(f), level);
}
inline int x_check_reserved(sqlite3_file* f, int* out) {
  return real_methods(f)->xCheckReservedLock(real_file(f), out);
}
inline int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_methods(f)->xFileControl(real_file(f), op, arg);
}
inline int x_sector_size(sqlite3_file* f) {
  return real_methods(f)->xSectorSize(real_file(f));
}
inline int x_device_characteristics(sqlite3_file* f) {
  return real_methods(f)->xDeviceCharacteristics(real_file(f));
}
inline int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_methods(f)->xShmMap(real_file(f), page, size, extend, out);
}
inline int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_methods(f)->xShmLock(real_file(f), offset, n, flags);
}
inline void x_shm_barrier(sqlite3_file* f) {
  real_methods(f)->xShmBarrier(real_file(f));
}
inline int x_shm_unmap(sqlite3_file* f, int del) {
  return real_methods(f)->xShmUnmap(real_file(f), del);
}
inline int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_methods(f)->xFetch(real_file(f), off, n, out);
}
inline int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real_methods(f)->xUnfetch(real_file(f), off, p);
}

inline const sqlite3_io_methods g_methods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

inline int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  f->pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, real_file(f), flags, out_flags);
  // The real VFS sets pMethods when it needs xClose called, even on failure.
  if (real_file(f)->pMethods != nullptr) {
    if (real_file(f)->pMethods->iVersion < 3) {
      real_file(f)->pMethods->xClose(real_file(f));
      return SQLITE_CANTOPEN;  // the shim forwards the version-3 methods only
    }
    f->pMethods = &g_methods;
  }
  return rc;
}

}  // namespace fsync_counter_detail

// Registers the counting VFS as the default. Idempotent.
inline void install_fsync_counter() {
  namespace d = fsync_counter_detail;
  if (d::g_real != nullptr) return;
  d::g_real = sqlite3_vfs_find(nullptr);
  if (d::g_real == nullptr) throw std::runtime_error("no default SQLite VFS");
  // Everything but xOpen is the real VFS's own function, called with a struct that mirrors the
  // real one (same pAppData, mxPathname), which is what the unix VFS reads from it.
  d::g_shim = *d::g_real;
  d::g_shim.pNext = nullptr;
  d::g_shim.zName = "fsync-counter";
  d::g_shim.szOsFile = static_cast<int>(sizeof(d::ShimFile)) + d::g_real->szOsFile;
  d::g_shim.xOpen = d::x_open;
  if (sqlite3_vfs_register(&d::g_shim, 1) != SQLITE_OK) throw std::runtime_error("cannot register the VFS");
}

// xSync calls since install_fsync_counter().
inline long long fsync_count() {
  return fsync_counter_detail::g_syncs.load(std::memory_order_relaxed);
}

}  // namespace bench
