// fastlane pilot CSV import: the parser on its own, then through tester_imports.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/desired_state.hpp"
#include "config/tester_csv.hpp"
#include "support/diagnostics.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using test_support::TempDir;

using test_support::has;

}  // namespace

TEST_CASE("CSV rows: header, quoting, CRLF, BOM, blank lines, extra columns") {
  const std::string text =
      "\xEF\xBB\xBF"
      "First,Last,Email,Groups,Devices\r\n"
      "Jo,Park,jo@x.com,QA\r\n"
      "\r\n"
      "\"O'Brien, Jr.\",\"Say \"\"Hi\"\"\",pat@x.com,\"QA; Beta ;\",3\n"
      "   \n"
      ",,anon@x.com\n"
      "\"Multi\nLine\",Name,ml@x.com,Beta\n"
      "Last,Row,last@x.com";
  config::Diagnostics diags;
  const auto rows = config::parse_tester_csv(text, "t.csv", diags);
  INFO(diags.render());
  CHECK(diags.empty());
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].first_name == "Jo");
  CHECK(rows[0].email == "jo@x.com");
  CHECK(rows[0].groups == std::vector<std::string>{"QA"});
  CHECK(rows[0].loc.str() == "t.csv:2:1");
  CHECK(rows[1].first_name == "O'Brien, Jr.");
  CHECK(rows[1].last_name == "Say \"Hi\"");
  CHECK(rows[1].groups == std::vector<std::string>{"QA", "Beta"});
  CHECK(rows[1].email_loc.str() == "t.csv:4:29");
  CHECK(rows[2].first_name.empty());
  CHECK(rows[2].groups.empty());
  CHECK(rows[2].groups_loc.line == 0);
  CHECK(rows[3].first_name == "Multi\nLine");
  CHECK(rows[3].loc.str() == "t.csv:7:1");
  CHECK(rows[4].loc.str() == "t.csv:9:1");
  CHECK(rows[4].email == "last@x.com");
}

TEST_CASE("CSV without a header: the first row is data") {
  config::Diagnostics diags;
  const auto rows = config::parse_tester_csv("A,B,a@x.com\n", "t.csv", diags);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].loc.line == 1);
}

TEST_CASE("bad CSV rows are reported with line and column and left out") {
  const std::string text =
      "First,Last,Email\n"
      "Only,Two\n"
      "A,B,not-an-email\n"
      "C,D,c@x.com\n"
      "\"E,F,e@x.com\n";
  config::Diagnostics diags;
  const auto rows = config::parse_tester_csv(text, "t.csv", diags);
  INFO(diags.render());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].email == "c@x.com");
  CHECK(diags.error_count() == 3);
  CHECK(has(diags, "t.csv:2:1", {"expected First,Last,Email[,Groups] but found 2 column(s)"}));
  CHECK(has(diags, "t.csv:3:5", {"'not-an-email' is not an email address"}));
  CHECK(has(diags, "t.csv:5:1", {"unterminated quoted field"}));
}

TEST_CASE("tester_imports add testers and group memberships from the CSV") {
  TempDir dir;
  dir.write("testers.csv",
            "First,Last,Email,Groups\nJo,Park,Jo@X.com,QA\nMia,Chen,mia@x.com,QA;Beta\n,,n@x.com,\n");
  const std::string yaml = dir.write("team.yaml",
                                     "team: acme\n"
                                     "testers:\n  - {email: n@x.com, first_name: Nat, last_name: N}\n"
                                     "tester_imports:\n  - {csv: testers.csv, app: com.x, groups: [All]}\n"
                                     "apps:\n  - bundle_id: com.x\n    groups:\n"
                                     "      - {name: QA}\n      - {name: Beta}\n      - {name: All}\n");
  config::Diagnostics diags;
  auto r = config::load_desired_state(yaml, &diags);
  INFO(diags.render());
  REQUIRE(r.ok());
  REQUIRE(r->testers.size() == 3);
  CHECK(r->testers[0].email == "jo@x.com");
  CHECK(r->testers[0].loc.str() == (dir.path / "testers.csv").string() + ":2:1");
  CHECK(r->testers[2].email == "n@x.com");
  CHECK(r->testers[2].first_name == "Nat");  // the CSV row without names does not erase them
  REQUIRE(r->groups.size() == 3);
  CHECK(r->groups[0].name == "All");
  CHECK(r->groups[0].member_emails == std::vector<std::string>{"jo@x.com", "mia@x.com", "n@x.com"});
  CHECK(r->groups[1].name == "Beta");
  CHECK(r->groups[1].member_emails == std::vector<std::string>{"mia@x.com"});
  CHECK(r->groups[2].member_emails == std::vector<std::string>{"jo@x.com", "mia@x.com"});
  CHECK(r->source_files.back() == (dir.path / "testers.csv").string());
}

TEST_CASE("tester_imports errors point into the CSV or the YAML") {
  TempDir dir;
  const std::string csv = dir.write("t.csv",
                                    "A,B,a@x.com,Q A\n"
                                    "C,D,c@x.com,Team\n"
                                    "E,F,a@x.com,\n"
                                    "G,H,g@x.com,QA\n");
  dir.write("no-app.csv", "A,B,a@x.com,QA\n");
  const std::string yaml = dir.write("team.yaml",
                                     "team: acme\n"
                                     "tester_imports:\n"
                                     "  - {csv: t.csv, app: com.x}\n"
                                     "  - {csv: missing.csv}\n"
                                     "  - {csv: no-app.csv}\n"
                                     "  - {csv: t.csv, app: com.x, groups: [Nope]}\n"
                                     "testers:\n  - {email: g@x.com, first_name: Gee, last_name: H}\n"
                                     "apps:\n  - bundle_id: com.x\n    groups:\n"
                                     "      - {name: QA}\n      - {name: Team, internal: true}\n");
  config::Diagnostics diags;
  auto r = config::load_desired_state(yaml, &diags);
  INFO(diags.render());
  REQUIRE_FALSE(r.ok());
  CHECK(has(diags, csv + ":1:13", {"group 'Q A' is not declared for app com.x", "did you mean 'QA'"}));
  CHECK(has(diags, csv + ":2:13", {"group 'Team' is internal; CSV testers cannot join it"}));
  CHECK(has(diags, csv + ":3:5", {"tester a@x.com appears twice in the CSV", csv + ":1:5"}));
  CHECK(has(diags, csv + ":4:1", {"tester g@x.com is declared as 'G H' here but as 'Gee H' before"}));
  CHECK(has(diags, yaml + ":4:11", {"CSV file not found", "relative to the YAML file"}));
  CHECK(has(diags, (dir.path / "no-app.csv").string() + ":1:13",
            {"the Groups column names groups but the import has no 'app'"}));
  CHECK(has(diags, yaml + ":6:39",
            {"group 'Nope' is not declared for app com.x", "declared groups: QA, Team"}));
}
