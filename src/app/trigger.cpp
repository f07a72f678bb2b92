#include "app/trigger.hpp"

#include <httplib.h>

#include "util/strings.hpp"

namespace app {

util::Result<std::string> trigger_daemon(const config::DaemonConfig& config, const std::string& token,
                                         const std::optional<std::string>& team) {
  std::string host = config.admin.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  httplib::Client client(host, config.admin.port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  std::string target = "/trigger";
  if (team) target += "?team=" + util::url_encode(*team);
  auto res = client.Post(target, headers, "", "text/plain");
  if (!res)
    return util::make_error(util::ErrorKind::network, "cannot reach the daemon's admin endpoint at " + host +
                                                          ":" + std::to_string(config.admin.port) + " (" +
                                                          httplib::to_string(res.error()) +
                                                          "); is `ascsync run` running?");
  if (res->status / 100 != 2)
    return util::make_error(res->status >= 500 ? util::ErrorKind::server : util::ErrorKind::client,
                            "the daemon answered " + std::to_string(res->status) + ": " + res->body);
  return res->body;
}

}  // namespace app
