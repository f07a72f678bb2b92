// `ascsync export-identity NAME --out FILE.p12`: the signing identity (key + current certificate)
// of a declared certificate, for CI (docs/certificates.md). The p12 is written 0600 in the legacy
// format macOS imports, with the PEM chain beside it; the password comes from a file or a systemd
// credential and is never printed.
#include <cstdio>

#include "app/export_identity.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "custody/passphrase.hpp"
#include "signing/steps.hpp"

namespace cli {

Runner add_export_identity(CLI::App& app, GlobalOptions& global) {
  auto* sub = app.add_subcommand(
      "export-identity",
      "Write the signing identity of a declared certificate (its key and current certificate) as a "
      "PKCS#12 file for CI, plus the PEM chain beside it. Reads the certificate from App Store Connect.");
  struct Options {
    std::string name;
    std::string out;
    std::string password_file;
    std::string password_credential;
  };
  auto opts = std::make_shared<Options>();
  sub->add_option("name", opts->name, "the certificate's name in the desired state (certificates[].name)")
      ->required();
  sub->add_option("--out", opts->out, "the p12 file to write (mode 0600; the chain goes to <out>.pem)")
      ->required();
  sub->add_option("--password-file", opts->password_file, "a file (mode 0600) holding the p12 password");
  sub->add_option("--password-credential", opts->password_credential,
                  "a systemd credential name holding the p12 password ($CREDENTIALS_DIRECTORY/<name>)");
  return [&global, opts]() {
    setup_cli_logging(global);
    if (opts->password_file.empty() == opts->password_credential.empty()) {
      std::fprintf(stderr, "error: give exactly one of --password-file and --password-credential\n");
      return k_exit_usage;
    }
    auto cfg = load_config(global);
    if (!cfg) return k_exit_error;
    const auto* selected = select_one_team(*cfg, global, "export-identity writes one team's identity");
    if (!selected) return k_exit_error;
    const auto& team = *selected;
    const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
    auto password = custody::read_passphrase(
        opts->password_file.empty() ? custody::PassphraseSource::credential(opts->password_credential)
                                    : custody::PassphraseSource::file(opts->password_file),
        creds ? creds : "");
    if (!password) {
      std::fprintf(stderr, "error: %s\n", password.error().describe().c_str());
      return k_exit_error;
    }
    if (auto st = app::export_identity(*cfg, team, opts->name, opts->out, *password); !st) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
      return k_exit_error;
    }
    std::printf("wrote %s and %s\n", opts->out.c_str(), signing::chain_path_for(opts->out).c_str());
    return k_exit_ok;
  };
}

}  // namespace cli
