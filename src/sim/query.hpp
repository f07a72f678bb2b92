#pragma once
// Query parameters of App Store Connect GETs: filter[...], fields[...], include, limit[...],
// sort, limit and the opaque cursor found in links.next. Each operation declares what it
// accepts (QuerySpec); anything else is a 400 as Apple answers it.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/jsonapi.hpp"

namespace sim {

struct QuerySpec {
  bool collection = false;                                  // accepts limit (<= 200) and cursor
  std::map<std::string, std::vector<std::string>> filters;  // name -> enum values (empty = free text/ids)
  std::vector<std::string> fields;                          // types whose fields[...] are accepted
  std::vector<std::string> includes;
  std::map<std::string, int> include_limits;  // limit[rel] -> maximum
  std::vector<std::string> sorts;             // without '-'
};

struct Cursor {
  std::string key;  // sort key of the last item served
  std::string id;   // its id (tie-breaker)
};

struct Query {
  std::map<std::string, std::vector<std::string>> filters;
  std::map<std::string, std::set<std::string>> fields;  // type -> wanted fields
  std::set<std::string> includes;
  std::map<std::string, int> include_limits;
  std::string sort;  // without '-', empty = by id
  bool descending = false;
  int limit = 50;
  bool limit_given = false;
  std::optional<Cursor> cursor;

  // True when a resource of `type` should carry `field` (no fields[type] = everything).
  bool wants(const std::string& type, const std::string& field) const {
    auto it = fields.find(type);
    return it == fields.end() || it->second.contains(field);
  }
  int include_limit(const std::string& rel) const {
    auto it = include_limits.find(rel);
    return it == include_limits.end() ? 10 : it->second;  // Apple's default for included data
  }
};

// Fields each modelled resource type has (attributes and relationships), as the spec lists them
// for fields[type]. Types not listed accept any value.
const std::vector<std::string>* known_fields(const std::string& type);

// Validates params (name -> raw values, as the URL carried them) against spec.
// A related-resource collection (GET /v1/x/{id}/y): paging and fields[type] only.
QuerySpec related(const std::string& type);
// A relationship linkage collection (GET /v1/x/{id}/relationships/y): paging only.
QuerySpec linkage_collection();

std::variant<Query, ApiError> parse_query(const std::multimap<std::string, std::string>& params,
                                          const QuerySpec& spec);

std::string encode_cursor(const Cursor& cursor);
std::optional<Cursor> decode_cursor(const std::string& text);

// One page of a collection.
template <typename T>
struct Page {
  std::vector<const T*> items;
  size_t total = 0;
  std::optional<Cursor> next;  // set when more items follow
};

// Pages over an id-ordered container (std::map by id, or std::set of ids) without copying it:
// resumes strictly after the cursor's id, so items inserted or removed elsewhere never make the
// walk skip or repeat one that existed throughout. `resolve` maps an element to the record (or
// nullptr to skip it); `keep` filters records. `filtered` = false promises keep() is always true,
// so the total is the container's size instead of a count.
template <typename T, typename Container, typename Resolve, typename Keep>
Page<T> page_by_id(const Container& items, Resolve resolve, Keep keep, bool filtered, const Query& q) {
  Page<T> page;
  auto it = q.cursor ? items.upper_bound(q.cursor->id) : items.begin();
  const size_t limit = static_cast<size_t>(q.limit);
  for (; it != items.end(); ++it) {
    const T* rec = resolve(*it);
    if (rec == nullptr || !keep(*rec)) continue;
    if (page.items.size() == limit) {
      // More follow: the cursor is the last item served, not the last one scanned.
      if (!page.items.empty()) page.next = Cursor{"", page.items.back()->id};
      break;
    }
    page.items.push_back(rec);
  }
  if (!filtered) {
    page.total = items.size();
  } else {
    for (const auto& e : items) {
      const T* rec = resolve(e);
      if (rec != nullptr && keep(*rec)) ++page.total;
    }
  }
  return page;
}

// Pages over items with a sort key; sorts by (key, id), descending when asked, and resumes
// strictly after the cursor's (key, id). `items` are (key, id, record).
template <typename T>
Page<T> page_sorted(std::vector<std::tuple<std::string, std::string, const T*>> items, const Query& q) {
  auto less = [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  };
  if (q.descending)
    std::sort(items.begin(), items.end(), [&](const auto& a, const auto& b) { return less(b, a); });
  else
    std::sort(items.begin(), items.end(), less);
  Page<T> page;
  page.total = items.size();
  auto it = items.begin();
  if (q.cursor) {
    const std::tuple<std::string, std::string, const T*> probe{q.cursor->key, q.cursor->id, nullptr};
    if (q.descending)
      it = std::upper_bound(items.begin(), items.end(), probe,
                            [&](const auto& a, const auto& b) { return less(b, a); });
    else
      it = std::upper_bound(items.begin(), items.end(), probe, less);
  }
  for (; it != items.end() && page.items.size() < static_cast<size_t>(q.limit); ++it) {
    page.items.push_back(std::get<2>(*it));
    if (page.items.size() == static_cast<size_t>(q.limit) && std::next(it) != items.end())
      page.next = Cursor{std::get<0>(*it), std::get<1>(*it)};
  }
  return page;
}

}  // namespace sim
