// Page-rendering benchmark of ascsim and a golden-output check for its documents.
//   bench_sim_pages [testers]        p50/p95 per 200-item page of GET /v1/betaTesters in four query
//                                    shapes with `testers` testers in 50 groups (default 100000), and RSS
//   bench_sim_pages golden <file>    writes the answers to a fixed set of GETs over a fixed state to
//                                    <file> (base URL replaced by BASE), to diff renderings byte for byte
// Build Release to measure. Not a test.
#include <httplib.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "asc/jwt.hpp"
#include "sim/simulator.hpp"
#include "util/crypto.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int k_groups = 50;
constexpr int k_apps = 25;
constexpr int k_page = 200;

double rss_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::string(field).size()) / 1024.0;
  return 0;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

struct Team {
  sim::Simulator simulator;
  util::Pkey key;
  std::string issuer = "57246542-96fe-1a63-e053-0824d011072a";
  std::string key_id = "BENCH00001";

  explicit Team(sim::Options options) : simulator(options), key(util::generate_p256_key()) {
    simulator.start();
    simulator.add_api_key(issuer, key_id, util::public_key_to_pem(key.get()), "ADMIN");
  }
  httplib::Headers headers() {
    auto t = asc::make_token(key.get(), {issuer, key_id, simulator.now(), std::chrono::seconds(15 * 60)});
    if (!t.ok()) {
      std::fprintf(stderr, "token: %s\n", t.error().describe().c_str());
      std::exit(1);
    }
    return {{"Authorization", "Bearer " + *t}};
  }
};

sim::Options bench_options() {
  sim::Options options;
  options.rate_limit_per_hour = 1'000'000'000;
  options.threads = 2;
  return options;
}

int perf(int testers) {
  Team team(bench_options());
  auto& s = team.simulator;
  std::vector<std::string> apps;
  for (int a = 0; a < k_apps; ++a)
    apps.push_back(s.add_app("com.example.bench" + std::to_string(a), "Bench " + std::to_string(a)));
  std::vector<std::string> groups;
  for (int g = 0; g < k_groups; ++g)
    groups.push_back(
        s.add_beta_group(apps[static_cast<size_t>(g % k_apps)], "Group " + std::to_string(g), false));
  for (int t = 0; t < testers; ++t)
    s.add_beta_tester("tester" + std::to_string(t) + "@example.com", "Tester", std::to_string(t),
                      {groups[static_cast<size_t>(t % k_groups)]});
  std::printf("seeded %d testers: RSS %.0f MB (peak %.0f MB)\n", testers, rss_mb("VmRSS:"), rss_mb("VmHWM:"));
  // Round trip of the whole state through JSON, as --fixture and /_sim/state do.
  s.load_state(s.dump_state());
  std::printf("after dump+load: RSS %.0f MB (peak %.0f MB)\n", rss_mb("VmRSS:"), rss_mb("VmHWM:"));

  httplib::Client client("127.0.0.1", s.port());
  client.set_keep_alive(true);
  client.set_read_timeout(60, 0);
  const auto headers = team.headers();
  const std::string lim = "limit=" + std::to_string(k_page);
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"all", "/v1/betaTesters?" + lim},
      {"include=betaGroups", "/v1/betaTesters?" + lim + "&include=betaGroups&limit%5BbetaGroups%5D=50"},
      {"filter[betaGroups]", "/v1/betaTesters?" + lim + "&filter%5BbetaGroups%5D=" + groups[7]},
      {"filter[apps]", "/v1/betaTesters?" + lim + "&filter%5Bapps%5D=" + apps[3]},
  };
  std::printf("| shape | pages | p50 ms | p95 ms | bytes/page |\n|---|---:|---:|---:|---:|\n");
  for (const auto& [name, first] : shapes) {
    std::vector<double> lat;
    size_t bytes = 0;
    const int walks = name == "all" || name == "include=betaGroups" ? 2 : 20;
    for (int w = 0; w < walks; ++w) {
      std::string path = first;
      while (!path.empty()) {
        const auto start = Clock::now();
        auto r = client.Get(path.c_str(), headers);
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!r || r->status != 200) {
          std::fprintf(stderr, "GET %s failed\n", path.c_str());
          return 1;
        }
        bytes = r->body.size();
        // Only links.next is needed; a cheap find keeps the client's cost out of the numbers.
        const auto at = r->body.rfind("\"next\":\"");
        path = at == std::string::npos ? ""
                                       : path_of(r->body.substr(at + 8, r->body.find('"', at + 8) - at - 8));
      }
    }
    std::printf("| %s | %zu | %.2f | %.2f | %zu |\n", name.c_str(), lat.size(), percentile(lat, 0.5),
                percentile(lat, 0.95), bytes);
  }
  std::printf("end: RSS %.0f MB (peak %.0f MB)\n", rss_mb("VmRSS:"), rss_mb("VmHWM:"));
  return 0;
}

// A small team touching every rendered feature: internal/external groups, public links, testers
// in several groups and apps, strings needing escapes, users, invitations and signing assets.
nlohmann::json golden_state() {
  using nlohmann::json;
  json st = json::object();
  st["apps"] = json::array();
  for (int a = 0; a < 3; ++a)
    st["apps"].push_back({{"id", std::to_string(1000000001 + a)},
                          {"bundle_id", "com.example.g" + std::to_string(a)},
                          {"name", a == 1 ? "Caf\xc3\xa9 \"Quoted\" \\ app" : "Golden " + std::to_string(a)},
                          {"sku", "sku-" + std::to_string(a)}});
  st["betaGroups"] = json::array();
  for (int g = 0; g < 6; ++g) {
    json j = {{"id", "0000000" + std::to_string(g) + "-aaaa-bbbb-cccc-000000000000"},
              {"app_id", std::to_string(1000000001 + g % 3)},
              {"name", "Group " + std::to_string(g)},
              {"created_date", "2024-0" + std::to_string(g + 1) + "-02T03:04:05Z"},
              {"is_internal", g == 0},
              {"has_access_to_all_builds", g == 0}};
    if (g == 2) {
      j["public_link_enabled"] = true;
      j["public_link_id"] = "AbCdEf12";
      j["public_link_limit_enabled"] = true;
      j["has_public_link_limit"] = true;
      j["public_link_limit"] = 77;
      j["feedback_enabled"] = true;
    }
    st["betaGroups"].push_back(j);
  }
  st["betaTesters"] = json::array();
  for (int t = 0; t < 40; ++t) {
    json gs = json::array();
    for (int g = 0; g < 6; ++g)
      if ((t >> (g % 4)) & 1 && (t + g) % 3 != 0)
        gs.push_back("0000000" + std::to_string(g) + "-aaaa-bbbb-cccc-000000000000");
    char id[40];
    std::snprintf(id, sizeof id, "%08x-1111-2222-3333-%012d", 0xfedcba98u - static_cast<unsigned>(t * 7919),
                  t);
    st["betaTesters"].push_back(
        {{"id", id},
         {"email", "T" + std::to_string(t) + "@Example.com"},
         {"first_name", t % 5 == 0 ? "Zo\xc3\xab\t\"x\"" : "First" + std::to_string(t % 7)},
         {"last_name", t % 9 == 0 ? std::string("ctl\x01") : "Last" + std::to_string(t)},
         {"invite_type", t % 4 == 0 ? "PUBLIC_LINK" : "EMAIL"},
         {"state", t % 3 == 0 ? "ACCEPTED" : "NOT_INVITED"},
         {"groups", gs}});
  }
  st["users"] = json::array({{{"id", "u0000000-0000-0000-0000-000000000001"},
                              {"username", "admin@example.com"},
                              {"first_name", "Ad"},
                              {"last_name", "Min"},
                              {"roles", {"ADMIN"}},
                              {"all_apps_visible", true},
                              {"provisioning_allowed", true}},
                             {{"id", "u0000000-0000-0000-0000-000000000002"},
                              {"username", "dev@example.com"},
                              {"first_name", "De"},
                              {"last_name", "V"},
                              {"roles", {"DEVELOPER", "MARKETING"}},
                              {"visible_apps", {"1000000001", "1000000003"}}}});
  st["userInvitations"] = json::array({{{"id", "i0000000-0000-0000-0000-000000000001"},
                                        {"email", "new@example.com"},
                                        {"first_name", "Ne"},
                                        {"last_name", "W"},
                                        {"roles", {"SALES"}},
                                        {"expiration_date", "2030-01-01T00:00:00Z"},
                                        {"visible_apps", {"1000000002"}}}});
  st["certificates"] = json::array({{{"id", "CERT000001"},
                                     {"name", "iOS Distribution: Golden"},
                                     {"certificate_type", "IOS_DISTRIBUTION"},
                                     {"display_name", "Golden"},
                                     {"serial_number", "0A0B"},
                                     {"platform", "IOS"},
                                     {"expiration_date", "2031-02-03T04:05:06Z"},
                                     {"content_base64", "TUlJQg=="}},
                                    {{"id", "CERT000002"},
                                     {"name", "Developer ID: Golden"},
                                     {"certificate_type", "DEVELOPER_ID_APPLICATION"},
                                     {"display_name", "Golden"},
                                     {"serial_number", "0C0D"},
                                     {"expiration_date", "2029-02-03T04:05:06Z"},
                                     {"content_base64", "TUlJQw=="},
                                     {"activated", false}}});
  st["devices"] = json::array({{{"id", "DEV0000001"},
                                {"name", "Phone"},
                                {"platform", "IOS"},
                                {"udid", "00008030-001A"},
                                {"model", "iPhone 15"},
                                {"added_date", "2024-05-06T07:08:09Z"}},
                               {{"id", "DEV0000002"},
                                {"name", "Mac"},
                                {"platform", "MAC_OS"},
                                {"udid", "MAC-UDID"},
                                {"device_class", "MAC"},
                                {"added_date", "2024-05-06T07:08:10Z"}}});
  st["bundleIds"] = json::array({{{"id", "BUNDLE0001"},
                                  {"name", "G0"},
                                  {"platform", "IOS"},
                                  {"identifier", "com.example.g0"},
                                  {"seed_id", "SEED"}}});
  st["profiles"] = json::array({{{"id", "PROF000001"},
                                 {"name", "Golden Profile"},
                                 {"platform", "IOS"},
                                 {"profile_type", "IOS_APP_STORE"},
                                 {"profile_content", "cHJvZg=="},
                                 {"uuid", "p-uuid"},
                                 {"created_date", "2024-01-01T00:00:00Z"},
                                 {"expiration_date", "2025-01-01T00:00:00Z"},
                                 {"bundle_id_id", "BUNDLE0001"},
                                 {"certificates", {"CERT000001", "CERT999999"}},
                                 {"devices", {"DEV0000001"}}}});
  return st;
}

int golden(const std::string& out_file) {
  Team team(bench_options());
  auto& s = team.simulator;
  s.load_state(golden_state());
  const auto st = s.dump_state();
  const std::string t0 = st["betaTesters"][0]["id"], t5 = st["betaTesters"][5]["id"],
                    t7 = st["betaTesters"][7]["id"];
  const std::string g1 = st["betaGroups"][1]["id"], g2 = st["betaGroups"][2]["id"];
  const std::string a1 = "1000000001", a2 = "1000000002";
  const std::string u2 = "u0000000-0000-0000-0000-000000000002", i1 = "i0000000-0000-0000-0000-000000000001";
  std::vector<std::string> paths = {
      "/v1/betaTesters",
      "/v1/betaTesters?limit=7",
      "/v1/betaTesters?limit=200&include=betaGroups",
      "/v1/betaTesters?include=betaGroups,apps,builds&limit[betaGroups]=1&limit[apps]=2",
      "/v1/betaTesters?include=apps&fields[betaTesters]=email,apps&fields[apps]=name",
      "/v1/betaTesters?fields[betaTesters]=firstName,state&limit=5",
      "/v1/betaTesters?include=betaGroups&fields[betaGroups]=name,app&limit=4",
      "/v1/betaTesters?filter[betaGroups]=" + g1 + "&limit=3",
      "/v1/betaTesters?filter[betaGroups]=" + g1 + "&include=betaGroups&limit[betaGroups]=50",
      "/v1/betaTesters?filter[apps]=" + a2 + "&limit=4",
      "/v1/betaTesters?filter[apps]=" + a1 + "&include=betaGroups&limit[betaGroups]=50",
      "/v1/betaTesters?filter[email]=t3@example.com,T5@EXAMPLE.COM",
      "/v1/betaTesters?sort=-email&limit=6",
      "/v1/betaTesters?sort=firstName&limit=6&include=apps",
      "/v1/betaTesters?filter[firstName]=First2&filter[apps]=" + a1 + "," + a2,
      "/v1/betaTesters?filter[builds]=x",
      "/v1/betaTesters/" + t0,
      "/v1/betaTesters/" + t5 + "?include=betaGroups,apps",
      "/v1/betaTesters/" + t7 + "/betaGroups",
      "/v1/betaTesters/" + t7 + "/relationships/betaGroups",
      "/v1/betaTesters/" + t7 + "/apps",
      "/v1/betaTesters/" + t7 + "/relationships/apps",
      "/v1/betaTesters/" + t7 + "/builds",
      "/v1/betaTesters/nope",
      "/v1/betaGroups",
      "/v1/betaGroups?include=app,betaTesters,builds&limit[betaTesters]=3",
      "/v1/betaGroups?fields[betaGroups]=publicLink,publicLinkLimit,betaTesters&include=betaTesters",
      "/v1/betaGroups?sort=-name&limit=2",
      "/v1/betaGroups/" + g2 + "?include=app,betaTesters",
      "/v1/betaGroups/" + g2 + "/betaTesters?limit=2",
      "/v1/betaGroups/" + g2 + "/relationships/betaTesters",
      "/v1/betaGroups/" + g2 + "/builds",
      "/v1/apps",
      "/v1/apps?include=betaGroups,builds&limit[betaGroups]=2",
      "/v1/apps/" + a2 + "?include=betaGroups",
      "/v1/apps/" + a1 + "/betaGroups",
      "/v1/users",
      "/v1/users?include=visibleApps",
      "/v1/users/" + u2 + "?include=visibleApps&fields[apps]=bundleId",
      "/v1/users/" + u2 + "/visibleApps",
      "/v1/users/" + u2 + "/relationships/visibleApps",
      "/v1/userInvitations?include=visibleApps",
      "/v1/userInvitations/" + i1 + "/visibleApps",
      "/v1/certificates",
      "/v1/certificates/CERT000002",
      "/v1/profiles?include=bundleId,certificates,devices",
      "/v1/profiles/PROF000001/certificates",
      "/v1/profiles/PROF000001/devices",
      "/v1/profiles/PROF000001/bundleId",
      "/v1/bundleIds?include=profiles,app",
      "/v1/bundleIds/BUNDLE0001",
      "/v1/devices",
      "/v1/devices/DEV0000002",
  };
  httplib::Client client("127.0.0.1", s.port());
  const auto headers = team.headers();
  const std::string base = s.base_url();
  std::ofstream out(out_file, std::ios::binary);
  auto fetch = [&](const std::string& path) {
    auto r = client.Get(path.c_str(), headers);
    std::string body = r ? r->body : "<no answer>";
    for (size_t at = body.find(base); at != std::string::npos; at = body.find(base, at))
      body.replace(at, base.size(), "BASE");
    out << "=== GET " << path << "\n" << (r ? r->status : 0) << "\n" << body << "\n";
    return r ? r->body : std::string();
  };
  for (const auto& p : paths) {
    const std::string body = fetch(p);
    // Follow one next link, so cursors are exercised too.
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("links") && doc["links"].contains("next"))
      fetch(path_of(doc["links"]["next"].get<std::string>()));
  }
  std::printf("wrote %zu requests to %s\n", paths.size(), out_file.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "golden") return golden(argv[2]);
  return perf(argc >= 2 ? std::atoi(argv[1]) : 100'000);
}
