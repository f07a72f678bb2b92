#include "asc/url.hpp"

#include <charconv>

#include "util/strings.hpp"

namespace asc {

std::string Origin::str() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

util::Result<SplitUrl> split_url(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return util::make_error(util::ErrorKind::client, "invalid URL '" + std::string(url) + "': " + why);
  };
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  SplitUrl out;
  out.origin.scheme = util::to_lower(url.substr(0, sep));
  if (out.origin.scheme != "http" && out.origin.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  const size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in URLs are not accepted");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    out.origin.host = std::string(authority.substr(0, close + 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("junk after IPv6 literal");
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.origin.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  out.origin.host = util::to_lower(out.origin.host);
  if (out.origin.host.empty()) return bad("no host");
  if (port_text.empty()) {
    out.origin.port = out.origin.scheme == "https" ? 443 : 80;
  } else {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 || port > 65535)
      return bad("bad port");
    out.origin.port = port;
  }
  std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (const size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  out.path_and_query = path.empty() || path.front() != '/' ? "/" + std::string(path) : std::string(path);
  return out;
}

Query& Query::add(std::string key, std::string value) {
  m_params.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string Query::str() const {
  std::string out;
  for (const auto& [key, value] : m_params) {
    out += out.empty() ? "?" : "&";
    out += util::url_encode(key);
    out += '=';
    out += util::url_encode(value);
  }
  return out;
}

}  // namespace asc
