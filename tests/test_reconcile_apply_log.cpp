// The info-level log of an apply is a bounded summary; the whole plan is at debug level.
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "support/reconcile_fixture.hpp"

using test_support::ReconcileFixture;

namespace {

// Routes spdlog's default logger into a string at `level` for the scope's lifetime.
class CapturedLog {
 public:
  explicit CapturedLog(spdlog::level::level_enum level) : m_previous(spdlog::default_logger()) {
    auto logger =
        std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(m_out));
    logger->set_level(level);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(m_previous); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() {
    spdlog::default_logger()->flush();
    return m_out.str();
  }

 private:
  std::ostringstream m_out;
  std::shared_ptr<spdlog::logger> m_previous;
};

std::string many_testers_yaml(int n) {
  std::string y =
      "team: acme\napps:\n  - bundle_id: com.acme.shop\n    groups:\n      - name: QA\n        members: [";
  for (int i = 0; i < n; ++i) y += (i ? ", " : "") + std::string("t") + std::to_string(i) + "@example.org";
  return y + "]\n";
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an applying cycle logs a bounded summary at info and the whole plan at debug") {
  ReconcileFixture f;
  f.sim().add_app("com.acme.shop", "Shop");
  const auto desired = f.desired(many_testers_yaml(30));
  std::string info;
  {
    CapturedLog log(spdlog::level::info);
    auto report = f.cycle(desired);
    REQUIRE_MESSAGE(report, (report ? "" : report.error().describe()));
    CHECK(report->outcome == util::CycleOutcome::converged);
    info = log.text();
  }
  CHECK_MESSAGE(info.find("applying plan: Plan: 31 to add") != std::string::npos, info);
  CHECK_MESSAGE(count(info, "will be") == 20, info);  // the first 20 headlines only
  CHECK_MESSAGE(info.find("... and 11 more (the full plan is logged at debug level") != std::string::npos,
                info);
  CHECK(info.find("\ndebug ") == std::string::npos);  // no debug line at info level

  // At debug the whole rendering is there too.
  ReconcileFixture g;
  g.sim().add_app("com.acme.shop", "Shop");
  CapturedLog log(spdlog::level::debug);
  REQUIRE(g.cycle(g.desired(many_testers_yaml(30))));
  const std::string all = log.text();
  CHECK(all.find("ascsync will perform the following actions") != std::string::npos);
  CHECK(count(all, "t29@example.org") >= 1);
}
