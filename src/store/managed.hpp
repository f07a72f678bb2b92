#pragma once
// Objects ascsync created or explicitly adopted: the only ones it may ever delete.
// Keys come from store/keys.hpp ("tester:<email>", "group:<bundleId>/<name>", ...).
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace store {

struct ManagedObject {
  std::string key;
  std::string how;  // "created" | "adopted"
  util::TimePoint since;
};

class ManagedObjects {
 public:
  explicit ManagedObjects(Database& db) : m_db(&db) {}

  // Marks `key` managed; how is "created" or "adopted". Marking an already managed key keeps
  // its original how and since.
  util::Status mark_managed(const std::string& team, const std::string& key, std::string_view how,
                            util::TimePoint at);
  // Forgets `key` (after it was deleted, or when an admin releases it). Unknown keys are fine.
  util::Status unmark_managed(const std::string& team, const std::string& key);
  util::Result<std::set<std::string>> load_managed(const std::string& team);
  // With how and since, sorted by key.
  util::Result<std::vector<ManagedObject>> list_managed(const std::string& team);

 private:
  Database* m_db;
};

}  // namespace store
