#pragma once
// Row-level reads and writes of the mirror tables, shared by Mirror's snapshot commit and its
// apply-time updates. Callers own the transaction.
#include <string>
#include <vector>

#include "core/model.hpp"
#include "store/database.hpp"
#include "util/result.hpp"

namespace store::rows {

enum class Table { apps, users, invitations, groups, testers, certificates, profiles };

// Upserts: insert or update the object's row; the id lists (visible apps, profile
// certificates) are replaced too. write_tester leaves memberships alone.
util::Status write_app(Database& db, const std::string& team, const core::App& app);
util::Status write_user(Database& db, const std::string& team, const core::User& user);
util::Status write_invitation(Database& db, const std::string& team, const core::Invitation& invitation);
util::Status write_group(Database& db, const std::string& team, const core::BetaGroup& group);
util::Status write_tester(Database& db, const std::string& team, const core::BetaTester& tester);
util::Status write_certificate(Database& db, const std::string& team, const core::Certificate& certificate);
util::Status write_profile(Database& db, const std::string& team, const core::Profile& profile);

// Deletes one object; its child rows (visible apps, memberships, ...) go with it.
util::Status delete_row(Database& db, Table table, const std::string& team, const std::string& id);

util::Status add_membership(Database& db, const std::string& team, const std::string& group_id,
                            const std::string& tester_id);
util::Status remove_membership(Database& db, const std::string& team, const std::string& group_id,
                               const std::string& tester_id);
util::Status remove_group_memberships(Database& db, const std::string& team, const std::string& group_id);
// Makes the tester's memberships exactly `group_ids`.
util::Status replace_tester_memberships(Database& db, const std::string& team, const std::string& tester_id,
                                        const std::vector<std::string>& group_ids);

// Reads the team's snapshot, normalized.
util::Result<core::Snapshot> read_snapshot(Database& db, const std::string& team);

}  // namespace store::rows
