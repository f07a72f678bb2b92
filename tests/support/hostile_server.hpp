#pragma once
// A hostile App Store Connect stand-in for tests of invariant 8 (strict, bounded reads): an
// httplib::Server on 127.0.0.1, port 0, in its own thread, whose answers the test scripts —
// wrong JSON types, missing members, endless or cycling cursors, bodies dripped a byte at a time,
// oversized bodies. It can also sit in front of the real simulator as a proxy that rewrites
// chosen responses, so reconcile tests can show that a misread view writes nothing. Every
// request is recorded. A second, raw-socket server drips even the status line and headers,
// which httplib's server cannot. Loopback only. Header-only; link httplib and nlohmann_json.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

struct SeenRequest {
  std::string method;
  std::string target;  // path and query, as sent
};

class HostileServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  HostileServer() {
    const auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      Handler h;
      {
        std::lock_guard lock(m_mutex);
        m_seen.push_back({req.method, req.target});
        h = m_handler;
      }
      if (h)
        h(req, res);
      else
        json(res,
             {{"errors",
               {{{"status", "404"}, {"code", "NOT_FOUND"}, {"title", "no script"}, {"detail", ""}}}}},
             404);
    };
    m_server.Get(".*", dispatch);
    m_server.Post(".*", dispatch);
    m_server.Patch(".*", dispatch);
    m_server.Delete(".*", dispatch);
    m_server.set_keep_alive_max_count(1000);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    if (m_port <= 0) throw std::runtime_error("HostileServer: cannot bind 127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HostileServer() {
    stopping = true;
    m_server.stop();
    if (m_thread.joinable()) m_thread.join();
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

  // Replaces the script; applies to the next request.
  void on(Handler handler) {
    std::lock_guard lock(m_mutex);
    m_handler = std::move(handler);
  }

  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }
  long long request_count() const {
    std::lock_guard lock(m_mutex);
    return static_cast<long long>(m_seen.size());
  }
  // Requests other than GET: what would change App Store Connect.
  long long write_count() const {
    std::lock_guard lock(m_mutex);
    long long n = 0;
    for (const auto& r : m_seen) n += r.method != "GET";
    return n;
  }

  // --- Building answers ------------------------------------------------------------------
  static void json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  // A collection page with `data` and an optional next link (relative to this server).
  nlohmann::json page(nlohmann::json data, const std::string& next_target = "") const {
    nlohmann::json links = {{"self", base_url() + "/v1/x"}};
    if (!next_target.empty()) links["next"] = base_url() + next_target;
    return {{"data", std::move(data)}, {"links", links}};
  }

  // Sends `body` one byte every `every` (chunked), until done or the client goes away.
  void drip(httplib::Response& res, std::string body, std::chrono::milliseconds every) {
    res.status = 200;
    auto text = std::make_shared<std::string>(std::move(body));
    res.set_chunked_content_provider("application/json",
                                     [this, text, every](size_t offset, httplib::DataSink& sink) {
                                       if (stopping || offset >= text->size()) {
                                         sink.done();
                                         return !stopping.load();
                                       }
                                       std::this_thread::sleep_for(every);
                                       return sink.write(text->data() + offset, 1);
                                     });
  }

  // A body of `size` bytes (a JSON string padded with spaces), with Content-Length when
  // `with_length`, chunked otherwise. Produced piece by piece: the server holds no copy.
  void huge(httplib::Response& res, size_t size, bool with_length) {
    res.status = 200;
    const auto piece = std::make_shared<std::string>(64 * 1024, ' ');
    const auto write = [this, piece, size](size_t offset, httplib::DataSink& sink) {
      if (stopping) return false;
      if (offset >= size) {
        sink.done();
        return true;
      }
      const size_t n = std::min(piece->size(), size - offset);
      return sink.write(piece->data(), n);
    };
    if (with_length)
      res.set_content_provider(
          size, "application/json",
          [write](size_t offset, size_t, httplib::DataSink& sink) { return write(offset, sink); });
    else
      res.set_chunked_content_provider("application/json", write);
  }

  // Forwards one request to `upstream` (e.g. the simulator) and lets `rewrite` change the JSON
  // answer (method, target, body); links to upstream are rewritten to point here.
  using Rewrite =
      std::function<void(const std::string& method, const std::string& target, nlohmann::json& body)>;
  void forward(const std::string& upstream, const httplib::Request& req, httplib::Response& res,
               const Rewrite& rewrite = {}) const {
    httplib::Client c(upstream);
    c.set_url_encode(false);
    httplib::Request out;
    out.method = req.method;
    out.path = req.target;
    for (const char* h : {"Authorization", "Accept", "Content-Type"})
      if (req.has_header(h)) out.headers.emplace(h, req.get_header_value(h));
    out.body = req.body;
    auto r = c.send(out);
    if (!r) {
      res.status = 502;
      return;
    }
    std::string body = r->body;
    for (size_t at = body.find(upstream); at != std::string::npos; at = body.find(upstream, at))
      body.replace(at, upstream.size(), base_url());
    res.status = r->status;
    for (const char* h : {"X-Rate-Limit", "Retry-After"})
      if (r->has_header(h)) res.set_header(h, r->get_header_value(h));
    if (body.empty()) return;
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_discarded() && rewrite) {
      rewrite(req.method, req.target, doc);
      body = doc.dump();
    }
    res.set_content(body, "application/json");
  }
  // Forwards every request (see forward()).
  void proxy(const std::string& upstream, Rewrite rewrite = {}) {
    on([this, upstream, rewrite](const httplib::Request& req, httplib::Response& res) {
      forward(upstream, req, res, rewrite);
    });
  }

  std::atomic<bool> stopping{false};

 private:
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  Handler m_handler;
  std::vector<SeenRequest> m_seen;
};

// Accepts connections on 127.0.0.1 (port 0), reads the request head, then answers with
// `response` one byte every `every` — status line and headers included. Serves one connection
// at a time until destroyed.
class DripHeadersServer {
 public:
  DripHeadersServer(std::string response, std::chrono::milliseconds every)
      : m_response(std::move(response)), m_every(every) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_listen < 0) throw std::runtime_error("DripHeadersServer: socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen, 8) != 0)
      throw std::runtime_error("DripHeadersServer: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~DripHeadersServer() {
    m_stopping = true;
    ::shutdown(m_listen, SHUT_RDWR);
    ::close(m_listen);
    m_thread.join();
  }
  DripHeadersServer(const DripHeadersServer&) = delete;
  DripHeadersServer& operator=(const DripHeadersServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int connections() const { return m_connections.load(); }

 private:
  void serve() {
    while (!m_stopping) {
      const int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) return;
      ++m_connections;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      for (char c : m_response) {
        if (m_stopping || ::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
        std::this_thread::sleep_for(m_every);
      }
      ::close(fd);
    }
  }

  std::string m_response;
  std::chrono::milliseconds m_every;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

}  // namespace test_support
