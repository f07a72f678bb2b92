// ascsim: the App Store Connect simulator as a program (docs/SIMULATOR.md).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "sim/simulator.hpp"
#include "util/crypto.hpp"
#include "util/files.hpp"

namespace {

constexpr const char* k_usage =
    "usage: ascsim [--host H] [--port N] [--seed S] [--fixture FILE] [--tls-cert F --tls-key F]\n"
    "              [--rate-limit N] [--max-concurrent N] [--cert-slots N] [--threads N]\n"
    "              [--strict-iat] [--demo [--key-dir DIR]]\n";

struct Args {
  sim::Options options;
  std::string fixture;
  bool demo = false;
  std::string key_dir = "./ascsim-demo";
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "ascsim: " << message << "\n" << k_usage;
  std::exit(2);
}

long long number(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    usage_error(flag + " needs a number, got '" + text + "'");
  }
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--host")
      a.options.host = value();
    else if (flag == "--port")
      a.options.port = static_cast<int>(number(flag, value()));
    else if (flag == "--seed")
      a.options.seed = static_cast<uint64_t>(number(flag, value()));
    else if (flag == "--fixture")
      a.fixture = value();
    else if (flag == "--tls-cert")
      a.options.tls_cert_file = value();
    else if (flag == "--tls-key")
      a.options.tls_key_file = value();
    else if (flag == "--rate-limit")
      a.options.rate_limit_per_hour = static_cast<int>(number(flag, value()));
    else if (flag == "--max-concurrent")
      a.options.max_concurrent_per_key = static_cast<int>(number(flag, value()));
    else if (flag == "--cert-slots")
      a.options.certificate_slot_limit = static_cast<int>(number(flag, value()));
    else if (flag == "--threads")
      a.options.threads = static_cast<int>(number(flag, value()));
    else if (flag == "--strict-iat")
      a.options.strict_iat = true;
    else if (flag == "--demo")
      a.demo = true;
    else if (flag == "--key-dir")
      a.key_dir = value();
    else if (flag == "--help" || flag == "-h") {
      std::cout << k_usage;
      std::exit(0);
    } else
      usage_error("unknown option '" + flag + "'");
  }
  if (a.options.port < 0 || a.options.port > 65535) usage_error("--port must be 0..65535");
  return a;
}

// A small team to click around in: three apps, an account holder, an admin and a developer,
// internal and external groups with testers, one distribution certificate.
void load_demo_team(sim::Simulator& s) {
  const auto app1 = s.add_app("com.example.demo.ios", "Demo iOS");
  const auto app2 = s.add_app("com.example.demo.mac", "Demo Mac");
  const auto app3 = s.add_app("com.example.demo.watch", "Demo Watch");
  s.add_bundle_id("com.example.demo.ios", "Demo iOS");  // the App ID the demo's profile is for
  s.add_user("holder@example.com", "Harriet", "Holder", {"ACCOUNT_HOLDER", "ADMIN"});
  s.add_user("admin@example.com", "Adam", "Admin", {"ADMIN"});
  s.add_user("dev@example.com", "Devi", "Developer", {"DEVELOPER"}, false, {app1, app2});
  const auto internal = s.add_beta_group(app1, "Team", true);
  const auto external = s.add_beta_group(app1, "Public Beta", false);
  const auto mac = s.add_beta_group(app2, "Mac Friends", false);
  s.add_beta_group(app3, "Watchers", false);
  s.add_beta_tester("dev@example.com", "Devi", "Developer", {internal});
  s.add_beta_tester("ann@example.org", "Ann", "Tester", {external, mac});
  s.add_beta_tester("bob@example.org", "Bob", "Tester", {external});
  s.add_certificate("IOS_DISTRIBUTION", "Demo Team");
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  // Block the stop signals before any thread starts so only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    sim::Simulator simulator(args.options);
    if (!args.fixture.empty()) {
      auto text = util::read_file(args.fixture);
      if (!text) usage_error("cannot read --fixture " + args.fixture + ": " + text.error().message);
      auto doc = nlohmann::json::parse(*text, nullptr, false);
      if (doc.is_discarded()) usage_error("--fixture " + args.fixture + " is not valid JSON");
      simulator.load_state(doc);
    }
    std::string key_path;
    const std::string issuer_id = "57246542-96fe-1a63-e053-0824d011072a";
    const std::string key_id = "DEMOKEY001";
    if (args.demo) {
      load_demo_team(simulator);
      auto key = util::generate_p256_key();
      std::filesystem::create_directories(args.key_dir);
      std::filesystem::permissions(args.key_dir, std::filesystem::perms::owner_all);
      key_path = (std::filesystem::absolute(args.key_dir) / ("AuthKey_" + key_id + ".p8")).string();
      auto written = util::write_file_atomic(key_path, util::private_key_to_pem(key.get()), 0600);
      if (!written) {
        std::cerr << "ascsim: cannot write " << key_path << ": " << written.error().message << "\n";
        return 1;
      }
      simulator.add_api_key(issuer_id, key_id, util::public_key_to_pem(key.get()), "ADMIN");
    }
    simulator.start();
    std::cout << "ascsim listening on " << simulator.base_url() << "\n";
    if (args.demo) {
      std::cout << "issuer id: " << issuer_id << "\n"
                << "key id:    " << key_id << "\n"
                << "key path:  " << key_path << "\n"
                << "base url:  " << simulator.base_url() << "\n";
    }
    std::cout.flush();
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "ascsim: stopping on signal " << sig << "\n";
    simulator.stop();
  } catch (const std::exception& e) {
    std::cerr << "ascsim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
