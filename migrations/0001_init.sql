-- ascsync schema v1: a per-team mirror of App Store Connect, the sync runs that refresh it,
-- the drift events found between consecutive snapshots, the objects ascsync manages and their
-- conditions. Times are RFC 3339 UTC text; booleans are 0/1; every table is keyed by team.

CREATE TABLE apps (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  name TEXT NOT NULL,
  sku TEXT NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  username TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  roles TEXT NOT NULL,  -- Apple UserRole values, sorted, comma-separated
  all_apps_visible INTEGER NOT NULL,
  provisioning_allowed INTEGER NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

-- No foreign key to apps: Apple may list visible apps this key cannot read.
CREATE TABLE user_visible_apps (
  team TEXT NOT NULL,
  user_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  PRIMARY KEY (team, user_id, app_id),
  FOREIGN KEY (team, user_id) REFERENCES users (team, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE user_invitations (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  all_apps_visible INTEGER NOT NULL,
  provisioning_allowed INTEGER NOT NULL,
  expiration_date TEXT NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE invitation_visible_apps (
  team TEXT NOT NULL,
  invitation_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  PRIMARY KEY (team, invitation_id, app_id),
  FOREIGN KEY (team, invitation_id) REFERENCES user_invitations (team, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE beta_groups (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_date TEXT NOT NULL,
  is_internal INTEGER NOT NULL,
  has_access_to_all_builds INTEGER NOT NULL,
  public_link_enabled INTEGER NOT NULL,
  public_link_limit_enabled INTEGER NOT NULL,
  public_link_limit INTEGER,  -- NULL when Apple sent none
  public_link TEXT NOT NULL,
  feedback_enabled INTEGER NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE beta_testers (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  invite_type TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

-- Memberships come from each tester's betaGroups relationship, so they hang off the tester.
-- No foreign key to beta_groups: a tester may belong to groups of apps this key cannot list.
CREATE TABLE group_memberships (
  team TEXT NOT NULL,
  group_id TEXT NOT NULL,
  tester_id TEXT NOT NULL,
  PRIMARY KEY (team, group_id, tester_id),
  FOREIGN KEY (team, tester_id) REFERENCES beta_testers (team, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX group_memberships_by_tester ON group_memberships (team, tester_id, group_id);

-- Metadata only: ascsync never stores certificateContent or private keys here.
CREATE TABLE certificates (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  certificate_type TEXT NOT NULL,
  display_name TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  platform TEXT NOT NULL,
  expiration_date TEXT NOT NULL,
  activated INTEGER NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE profiles (
  team TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  profile_type TEXT NOT NULL,
  profile_state TEXT NOT NULL,
  uuid TEXT NOT NULL,
  created_date TEXT NOT NULL,
  expiration_date TEXT NOT NULL,
  bundle_id_id TEXT NOT NULL,
  PRIMARY KEY (team, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE profile_certificates (
  team TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  certificate_id TEXT NOT NULL,
  PRIMARY KEY (team, profile_id, certificate_id),
  FOREIGN KEY (team, profile_id) REFERENCES profiles (team, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  requests_sent INTEGER NOT NULL DEFAULT 0,
  rate_remaining INTEGER,
  rate_limit INTEGER,
  apps INTEGER NOT NULL DEFAULT 0,
  users INTEGER NOT NULL DEFAULT 0,
  invitations INTEGER NOT NULL DEFAULT 0,
  beta_groups INTEGER NOT NULL DEFAULT 0,
  beta_testers INTEGER NOT NULL DEFAULT 0,
  memberships INTEGER NOT NULL DEFAULT 0,
  certificates INTEGER NOT NULL DEFAULT 0,
  profiles INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sync_runs_by_team ON sync_runs (team, id);

-- Append-only: rows are never updated (old rows may be deleted for retention).
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  at TEXT NOT NULL,
  run_id INTEGER REFERENCES sync_runs (id),
  kind TEXT NOT NULL,
  object_key TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details))
) STRICT;
CREATE INDEX events_by_team ON events (team, id);
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

-- Objects ascsync created or explicitly adopted: the only ones it may ever delete.
-- Keys: "user:<email>", "invitation:<email>", "tester:<email>", "group:<bundleId>/<name>",
-- "membership:<bundleId>/<group name>/<email>" (emails lower-cased).
CREATE TABLE managed_objects (
  team TEXT NOT NULL,
  key TEXT NOT NULL,
  how TEXT NOT NULL CHECK (how IN ('created', 'adopted')),
  since TEXT NOT NULL,
  PRIMARY KEY (team, key)
) STRICT, WITHOUT ROWID;

-- The latest status of each declared object, Kubernetes-style.
CREATE TABLE conditions (
  team TEXT NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('ready', 'drifted', 'blocked', 'failed')),
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  last_transition_at TEXT NOT NULL,  -- when type last changed
  updated_at TEXT NOT NULL,
  PRIMARY KEY (team, key)
) STRICT, WITHOUT ROWID;
