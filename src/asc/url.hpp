#pragma once
// URL pieces the client needs: the origin (scheme, host, port) requests may go to, absolute
// `links.next` URLs split back into a path, and query strings in Apple's bracket style.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace asc {

struct Origin {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-cased; IPv6 literals keep their brackets
  int port = 0;        // explicit or the scheme's default
  // "scheme://host:port", what httplib's universal client takes.
  std::string str() const;
  bool operator==(const Origin&) const = default;
};

struct SplitUrl {
  Origin origin;
  std::string path_and_query;  // "/v1/users?cursor=..." ("/" when the URL has no path)
};

// Parses an absolute http(s) URL. Fails with ErrorKind::client naming what is wrong.
util::Result<SplitUrl> split_url(std::string_view url);

// Ordered query parameters, encoded as Apple documents them: `fields[users]=a,b`.
class Query {
 public:
  Query& add(std::string key, std::string value);
  // "?k=v&k2=v2" with keys and values percent-encoded; "" when empty.
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> m_params;
};

}  // namespace asc
