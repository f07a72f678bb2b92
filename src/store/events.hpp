#pragma once
// Reads of the drift events a refresh records (table events): what changed in App Store Connect
// outside ascsync, per sync run. The mirror writes them (store/mirror.hpp); these are the
// queries the reconciler, `ascsync status` and the daemon's metrics make.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "util/result.hpp"

namespace store {

struct EventRow {
  int64_t id = 0;
  std::string at;  // RFC 3339, as stored
  std::string kind;
  std::string key;  // store/keys.hpp
};

// The events one sync run recorded, in id order.
util::Result<std::vector<EventRow>> run_events(Database& db, const std::string& team, int64_t run_id);
// kind -> number of events one sync run recorded.
util::Result<std::map<std::string, long long>> run_event_counts(Database& db, const std::string& team,
                                                                int64_t run_id);
// How many events the team has in total.
util::Result<int64_t> event_count(Database& db, const std::string& team);
// The team's `limit` newest events, oldest first.
util::Result<std::vector<EventRow>> recent_events(Database& db, const std::string& team, int limit);

}  // namespace store
