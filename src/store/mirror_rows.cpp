#include "store/mirror_rows.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace store::rows {

namespace {

std::string encode_list(const std::vector<std::string>& values) {
  auto copy = values;
  std::sort(copy.begin(), copy.end());
  return util::join(copy, ",");
}

std::vector<std::string> decode_list(const std::string& text) {
  if (text.empty()) return {};
  return util::split(text, ',');
}

util::Status replace_children(Database& db, const char* delete_sql, const char* insert_sql,
                              const std::string& team, const std::string& parent_id,
                              const std::vector<std::string>& child_ids) {
  {
    auto del = db.prepare(delete_sql);
    if (!del) return std::move(del).error();
    del->bind_text(1, team).bind_text(2, parent_id);
    if (auto st = del->run(); !st) return st;
  }
  auto ins = db.prepare(insert_sql);
  if (!ins) return std::move(ins).error();
  for (const auto& child : child_ids) {
    ins->reset();
    ins->bind_text(1, team).bind_text(2, parent_id).bind_text(3, child);
    if (auto st = ins->run(); !st) return st;
  }
  return util::ok_status();
}

// Runs `fn(stmt)` for each row of `sql` bound to the team.
template <typename Fn>
util::Status for_each_row(Database& db, const char* sql, const std::string& team, Fn fn) {
  auto stmt = db.prepare(sql);
  if (!stmt) return std::move(stmt).error();
  stmt->bind_text(1, team);
  while (true) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return util::ok_status();
    fn(*stmt);
  }
}

// Attaches child ids to parents; both streams are ordered by parent id.
template <typename T>
util::Status attach_children(Database& db, const char* sql, const std::string& team, std::vector<T>& parents,
                             std::vector<std::string> T::*list) {
  size_t i = 0;
  return for_each_row(db, sql, team, [&](Statement& s) {
    const std::string parent = s.column_text(0);
    while (i < parents.size() && parents[i].id < parent) ++i;
    if (i < parents.size() && parents[i].id == parent) (parents[i].*list).push_back(s.column_text(1));
  });
}

}  // namespace

util::Status write_app(Database& db, const std::string& team, const core::App& app) {
  auto s = db.prepare(
      "INSERT INTO apps (team, id, bundle_id, name, sku) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (team, id) DO UPDATE SET bundle_id = excluded.bundle_id, name = excluded.name, "
      "sku = excluded.sku");
  if (!s) return std::move(s).error();
  s->bind_text(1, team)
      .bind_text(2, app.id)
      .bind_text(3, app.bundle_id)
      .bind_text(4, app.name)
      .bind_text(5, app.sku);
  return s->run();
}

util::Status write_user(Database& db, const std::string& team, const core::User& user) {
  {
    auto s = db.prepare(
        "INSERT INTO users (team, id, username, first_name, last_name, roles, all_apps_visible, "
        "provisioning_allowed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (team, id) DO UPDATE SET username = excluded.username, first_name = "
        "excluded.first_name, "
        "last_name = excluded.last_name, roles = excluded.roles, all_apps_visible = "
        "excluded.all_apps_visible, "
        "provisioning_allowed = excluded.provisioning_allowed");
    if (!s) return std::move(s).error();
    s->bind_text(1, team).bind_text(2, user.id).bind_text(3, user.username).bind_text(4, user.first_name);
    s->bind_text(5, user.last_name).bind_text(6, encode_list(user.roles)).bind_bool(7, user.all_apps_visible);
    s->bind_bool(8, user.provisioning_allowed);
    if (auto st = s->run(); !st) return st;
  }
  return replace_children(
      db, "DELETE FROM user_visible_apps WHERE team = ?1 AND user_id = ?2",
      "INSERT OR IGNORE INTO user_visible_apps (team, user_id, app_id) VALUES (?1, ?2, ?3)", team, user.id,
      user.visible_app_ids);
}

util::Status write_invitation(Database& db, const std::string& team, const core::Invitation& inv) {
  {
    auto s = db.prepare(
        "INSERT INTO user_invitations (team, id, email, first_name, last_name, roles, all_apps_visible, "
        "provisioning_allowed, expiration_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT (team, id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
        "last_name = excluded.last_name, roles = excluded.roles, all_apps_visible = "
        "excluded.all_apps_visible, "
        "provisioning_allowed = excluded.provisioning_allowed, expiration_date = excluded.expiration_date");
    if (!s) return std::move(s).error();
    s->bind_text(1, team).bind_text(2, inv.id).bind_text(3, inv.email).bind_text(4, inv.first_name);
    s->bind_text(5, inv.last_name).bind_text(6, encode_list(inv.roles)).bind_bool(7, inv.all_apps_visible);
    s->bind_bool(8, inv.provisioning_allowed).bind_text(9, inv.expiration_date);
    if (auto st = s->run(); !st) return st;
  }
  return replace_children(
      db, "DELETE FROM invitation_visible_apps WHERE team = ?1 AND invitation_id = ?2",
      "INSERT OR IGNORE INTO invitation_visible_apps (team, invitation_id, app_id) VALUES (?1, ?2, ?3)", team,
      inv.id, inv.visible_app_ids);
}

util::Status write_group(Database& db, const std::string& team, const core::BetaGroup& g) {
  auto s = db.prepare(
      "INSERT INTO beta_groups (team, id, app_id, name, created_date, is_internal, has_access_to_all_builds, "
      "public_link_enabled, public_link_limit_enabled, public_link_limit, public_link, feedback_enabled) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (team, id) DO UPDATE SET app_id = excluded.app_id, name = excluded.name, "
      "created_date = excluded.created_date, is_internal = excluded.is_internal, "
      "has_access_to_all_builds = excluded.has_access_to_all_builds, "
      "public_link_enabled = excluded.public_link_enabled, "
      "public_link_limit_enabled = excluded.public_link_limit_enabled, "
      "public_link_limit = excluded.public_link_limit, public_link = excluded.public_link, "
      "feedback_enabled = excluded.feedback_enabled");
  if (!s) return std::move(s).error();
  s->bind_text(1, team)
      .bind_text(2, g.id)
      .bind_text(3, g.app_id)
      .bind_text(4, g.name)
      .bind_text(5, g.created_date);
  s->bind_bool(6, g.is_internal).bind_bool(7, g.has_access_to_all_builds).bind_bool(8, g.public_link_enabled);
  s->bind_bool(9, g.public_link_limit_enabled);
  s->bind_opt_int(10, g.public_link_limit ? std::optional<int64_t>(*g.public_link_limit) : std::nullopt);
  s->bind_text(11, g.public_link).bind_bool(12, g.feedback_enabled);
  return s->run();
}

util::Status write_tester(Database& db, const std::string& team, const core::BetaTester& t) {
  auto s = db.prepare(
      "INSERT INTO beta_testers (team, id, email, first_name, last_name, invite_type, state) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT (team, id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
      "last_name = excluded.last_name, invite_type = excluded.invite_type, state = excluded.state");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, t.id).bind_text(3, t.email).bind_text(4, t.first_name);
  s->bind_text(5, t.last_name).bind_text(6, t.invite_type).bind_text(7, t.state);
  return s->run();
}

util::Status write_certificate(Database& db, const std::string& team, const core::Certificate& c) {
  auto s = db.prepare(
      "INSERT INTO certificates (team, id, name, certificate_type, display_name, serial_number, platform, "
      "expiration_date, activated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (team, id) DO UPDATE SET name = excluded.name, certificate_type = "
      "excluded.certificate_type, "
      "display_name = excluded.display_name, serial_number = excluded.serial_number, "
      "platform = excluded.platform, expiration_date = excluded.expiration_date, activated = "
      "excluded.activated");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, c.id).bind_text(3, c.name).bind_text(4, c.certificate_type);
  s->bind_text(5, c.display_name).bind_text(6, c.serial_number).bind_text(7, c.platform);
  s->bind_text(8, c.expiration_date).bind_bool(9, c.activated);
  return s->run();
}

util::Status write_profile(Database& db, const std::string& team, const core::Profile& p) {
  {
    auto s = db.prepare(
        "INSERT INTO profiles (team, id, name, platform, profile_type, profile_state, uuid, created_date, "
        "expiration_date, bundle_id_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (team, id) DO UPDATE SET name = excluded.name, platform = excluded.platform, "
        "profile_type = excluded.profile_type, profile_state = excluded.profile_state, uuid = excluded.uuid, "
        "created_date = excluded.created_date, expiration_date = excluded.expiration_date, "
        "bundle_id_id = excluded.bundle_id_id");
    if (!s) return std::move(s).error();
    s->bind_text(1, team).bind_text(2, p.id).bind_text(3, p.name).bind_text(4, p.platform);
    s->bind_text(5, p.profile_type).bind_text(6, p.profile_state).bind_text(7, p.uuid);
    s->bind_text(8, p.created_date).bind_text(9, p.expiration_date).bind_text(10, p.bundle_id_id);
    if (auto st = s->run(); !st) return st;
  }
  return replace_children(
      db, "DELETE FROM profile_certificates WHERE team = ?1 AND profile_id = ?2",
      "INSERT OR IGNORE INTO profile_certificates (team, profile_id, certificate_id) VALUES (?1, ?2, ?3)",
      team, p.id, p.certificate_ids);
}

util::Status delete_row(Database& db, Table table, const std::string& team, const std::string& id) {
  const char* sql = nullptr;
  switch (table) {
    case Table::apps:
      sql = "DELETE FROM apps WHERE team = ?1 AND id = ?2";
      break;
    case Table::users:
      sql = "DELETE FROM users WHERE team = ?1 AND id = ?2";
      break;
    case Table::invitations:
      sql = "DELETE FROM user_invitations WHERE team = ?1 AND id = ?2";
      break;
    case Table::groups:
      sql = "DELETE FROM beta_groups WHERE team = ?1 AND id = ?2";
      break;
    case Table::testers:
      sql = "DELETE FROM beta_testers WHERE team = ?1 AND id = ?2";
      break;
    case Table::certificates:
      sql = "DELETE FROM certificates WHERE team = ?1 AND id = ?2";
      break;
    case Table::profiles:
      sql = "DELETE FROM profiles WHERE team = ?1 AND id = ?2";
      break;
  }
  auto s = db.prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, id);
  return s->run();
}

util::Status add_membership(Database& db, const std::string& team, const std::string& group_id,
                            const std::string& tester_id) {
  auto s =
      db.prepare("INSERT OR IGNORE INTO group_memberships (team, group_id, tester_id) VALUES (?1, ?2, ?3)");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, group_id).bind_text(3, tester_id);
  return s->run();
}

util::Status remove_membership(Database& db, const std::string& team, const std::string& group_id,
                               const std::string& tester_id) {
  auto s = db.prepare("DELETE FROM group_memberships WHERE team = ?1 AND group_id = ?2 AND tester_id = ?3");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, group_id).bind_text(3, tester_id);
  return s->run();
}

util::Status remove_group_memberships(Database& db, const std::string& team, const std::string& group_id) {
  auto s = db.prepare("DELETE FROM group_memberships WHERE team = ?1 AND group_id = ?2");
  if (!s) return std::move(s).error();
  s->bind_text(1, team).bind_text(2, group_id);
  return s->run();
}

util::Status replace_tester_memberships(Database& db, const std::string& team, const std::string& tester_id,
                                        const std::vector<std::string>& group_ids) {
  {
    auto s = db.prepare("DELETE FROM group_memberships WHERE team = ?1 AND tester_id = ?2");
    if (!s) return std::move(s).error();
    s->bind_text(1, team).bind_text(2, tester_id);
    if (auto st = s->run(); !st) return st;
  }
  for (const auto& group_id : group_ids)
    if (auto st = add_membership(db, team, group_id, tester_id); !st) return st;
  return util::ok_status();
}

util::Result<core::Snapshot> read_snapshot(Database& db, const std::string& team) {
  core::Snapshot snap;
  auto st = for_each_row(
      db, "SELECT id, bundle_id, name, sku FROM apps WHERE team = ?1 ORDER BY id", team, [&](Statement& s) {
        snap.apps.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3)});
      });
  if (!st) return std::move(st).error();

  st = for_each_row(
      db,
      "SELECT id, username, first_name, last_name, roles, all_apps_visible, provisioning_allowed "
      "FROM users WHERE team = ?1 ORDER BY id",
      team, [&](Statement& s) {
        core::User u;
        u.id = s.column_text(0);
        u.username = s.column_text(1);
        u.first_name = s.column_text(2);
        u.last_name = s.column_text(3);
        u.roles = decode_list(s.column_text(4));
        u.all_apps_visible = s.column_bool(5);
        u.provisioning_allowed = s.column_bool(6);
        snap.users.push_back(std::move(u));
      });
  if (!st) return std::move(st).error();
  st = attach_children(
      db, "SELECT user_id, app_id FROM user_visible_apps WHERE team = ?1 ORDER BY user_id, app_id", team,
      snap.users, &core::User::visible_app_ids);
  if (!st) return std::move(st).error();

  st = for_each_row(db,
                    "SELECT id, email, first_name, last_name, roles, all_apps_visible, provisioning_allowed, "
                    "expiration_date FROM user_invitations WHERE team = ?1 ORDER BY id",
                    team, [&](Statement& s) {
                      core::Invitation i;
                      i.id = s.column_text(0);
                      i.email = s.column_text(1);
                      i.first_name = s.column_text(2);
                      i.last_name = s.column_text(3);
                      i.roles = decode_list(s.column_text(4));
                      i.all_apps_visible = s.column_bool(5);
                      i.provisioning_allowed = s.column_bool(6);
                      i.expiration_date = s.column_text(7);
                      snap.invitations.push_back(std::move(i));
                    });
  if (!st) return std::move(st).error();
  st = attach_children(db,
                       "SELECT invitation_id, app_id FROM invitation_visible_apps WHERE team = ?1 "
                       "ORDER BY invitation_id, app_id",
                       team, snap.invitations, &core::Invitation::visible_app_ids);
  if (!st) return std::move(st).error();

  st = for_each_row(db,
                    "SELECT id, app_id, name, created_date, is_internal, has_access_to_all_builds, "
                    "public_link_enabled, public_link_limit_enabled, public_link_limit, public_link, "
                    "feedback_enabled FROM beta_groups WHERE team = ?1 ORDER BY id",
                    team, [&](Statement& s) {
                      core::BetaGroup g;
                      g.id = s.column_text(0);
                      g.app_id = s.column_text(1);
                      g.name = s.column_text(2);
                      g.created_date = s.column_text(3);
                      g.is_internal = s.column_bool(4);
                      g.has_access_to_all_builds = s.column_bool(5);
                      g.public_link_enabled = s.column_bool(6);
                      g.public_link_limit_enabled = s.column_bool(7);
                      if (!s.column_is_null(8)) g.public_link_limit = static_cast<int>(s.column_int(8));
                      g.public_link = s.column_text(9);
                      g.feedback_enabled = s.column_bool(10);
                      snap.groups.push_back(std::move(g));
                    });
  if (!st) return std::move(st).error();

  st = for_each_row(db,
                    "SELECT id, email, first_name, last_name, invite_type, state FROM beta_testers "
                    "WHERE team = ?1 ORDER BY id",
                    team, [&](Statement& s) {
                      core::BetaTester t;
                      t.id = s.column_text(0);
                      t.email = s.column_text(1);
                      t.first_name = s.column_text(2);
                      t.last_name = s.column_text(3);
                      t.invite_type = s.column_text(4);
                      t.state = s.column_text(5);
                      snap.testers.push_back(std::move(t));
                    });
  if (!st) return std::move(st).error();
  st = attach_children(db,
                       "SELECT tester_id, group_id FROM group_memberships WHERE team = ?1 "
                       "ORDER BY tester_id, group_id",
                       team, snap.testers, &core::BetaTester::group_ids);
  if (!st) return std::move(st).error();

  st = for_each_row(
      db,
      "SELECT id, name, certificate_type, display_name, serial_number, platform, expiration_date, "
      "activated FROM certificates WHERE team = ?1 ORDER BY id",
      team, [&](Statement& s) {
        core::Certificate c;
        c.id = s.column_text(0);
        c.name = s.column_text(1);
        c.certificate_type = s.column_text(2);
        c.display_name = s.column_text(3);
        c.serial_number = s.column_text(4);
        c.platform = s.column_text(5);
        c.expiration_date = s.column_text(6);
        c.activated = s.column_bool(7);
        snap.certificates.push_back(std::move(c));
      });
  if (!st) return std::move(st).error();

  st = for_each_row(
      db,
      "SELECT id, name, platform, profile_type, profile_state, uuid, created_date, expiration_date, "
      "bundle_id_id FROM profiles WHERE team = ?1 ORDER BY id",
      team, [&](Statement& s) {
        core::Profile p;
        p.id = s.column_text(0);
        p.name = s.column_text(1);
        p.platform = s.column_text(2);
        p.profile_type = s.column_text(3);
        p.profile_state = s.column_text(4);
        p.uuid = s.column_text(5);
        p.created_date = s.column_text(6);
        p.expiration_date = s.column_text(7);
        p.bundle_id_id = s.column_text(8);
        snap.profiles.push_back(std::move(p));
      });
  if (!st) return std::move(st).error();
  st = attach_children(db,
                       "SELECT profile_id, certificate_id FROM profile_certificates WHERE team = ?1 "
                       "ORDER BY profile_id, certificate_id",
                       team, snap.profiles, &core::Profile::certificate_ids);
  if (!st) return std::move(st).error();
  return snap;
}

}  // namespace store::rows
