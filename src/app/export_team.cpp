#include "app/export_team.hpp"

#include <fstream>

#include "app/command_error.hpp"
#include "app/database.hpp"
#include "reconcile/refresh.hpp"
#include "reconcile/session.hpp"
#include "store/mirror.hpp"
#include "util/clock.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace app {

namespace fs = std::filesystem;

namespace {

bool starts_with_marker(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  return first.rfind(config::k_export_marker, 0) == 0;
}

// The directory must be new, empty, or an earlier export (every YAML file in it written by
// export): other YAML files would be merged into the exported desired state when it is loaded.
// Returns the files of the earlier export to remove (its YAML and CSV files), or an error.
util::Result<std::vector<fs::path>> previous_export(const fs::path& dir) {
  std::vector<fs::path> ours;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return ours;
  if (!fs::is_directory(dir, ec))
    return util::make_error(util::ErrorKind::client, dir.string() + " exists and is not a directory");
  std::vector<fs::path> csv;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (ext == ".yaml" || ext == ".yml") {
      if (!entry.is_regular_file() || !starts_with_marker(entry.path()))
        return util::make_error(
            util::ErrorKind::client,
            entry.path().string() +
                " was not written by ascsync export; export into an empty directory (YAML files "
                "beside the export would be merged into its desired state)");
      ours.push_back(entry.path());
    } else if (ext == ".csv" && entry.path().filename().string().rfind("testers", 0) == 0) {
      csv.push_back(entry.path());
    }
  }
  if (ec)
    return util::make_error(util::ErrorKind::client, "cannot list " + dir.string() + ": " + ec.message());
  if (!ours.empty())
    ours.insert(ours.end(), csv.begin(), csv.end());
  else if (!csv.empty())
    return util::make_error(util::ErrorKind::client,
                            csv.front().string() +
                                " is in the way and was not written by ascsync export; "
                                "export into an empty directory");
  return ours;
}

}  // namespace

util::Result<std::vector<std::string>> export_team(const config::DaemonConfig& config,
                                                   const config::TeamConfig& team,
                                                   const ExportRequest& request) {
  const fs::path& dir = request.dir;
  auto replaced = previous_export(dir);
  if (!replaced) return command_error(replaced.error(), replaced.error().describe());
  auto db = open_command_database(config);
  if (!db) return command_error(db.error(), db.error().message);
  auto clock = util::system_clock();
  if (request.refresh) {
    auto api = reconcile::connect(team, config.defaults, clock);
    if (!api) return command_error(api.error(), "team " + team.name + ": " + api.error().describe());
    if (auto refreshed = reconcile::refresh(team.name, **api, *db, *clock); !refreshed)
      return command_error(refreshed.error(), "team " + team.name + ": refresh failed, nothing written: " +
                                                  refreshed.error().describe());
  }
  store::Mirror mirror(*db);
  auto has = mirror.has_snapshot(team.name);
  if (!has || !*has)
    return util::make_error(util::ErrorKind::client,
                            "team " + team.name + " has no mirrored snapshot yet; run without --no-refresh");
  auto snapshot = mirror.load_snapshot(team.name);
  if (!snapshot) return command_error(snapshot.error(), snapshot.error().describe());
  const auto files =
      config::export_desired_state(*snapshot, team.name, request.kinds, util::format_rfc3339(clock->now()));

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return util::make_error(util::ErrorKind::client, "cannot create " + dir.string() + ": " + ec.message());
  for (const auto& old : *replaced) fs::remove(old, ec);
  std::vector<std::string> names;
  for (const auto& f : files) {
    if (auto written = util::write_file_atomic((dir / f.name).string(), f.content, 0644); !written)
      return command_error(written.error(), written.error().describe());
    names.push_back(f.name);
  }
  return names;
}

}  // namespace app
