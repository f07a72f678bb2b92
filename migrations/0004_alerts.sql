-- ascsync schema: alerts (docs/alerts.md). State survives restarts: a restart neither re-pages
-- nor forgets.
-- alert_instances: one row per alert identity (dedup key), firing or resolved, with the tier
--   reached and when it was last notified.
-- alert_outbox: one row per notification to one channel; delivered at least once, in order per
--   channel, with retry and backoff. Rows are kept after delivery for `ascsync alerts`.
-- alert_team_health: when each team last had a successful cycle (AscsyncTeamStale).

CREATE TABLE alert_instances (
  dedup_key TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  alertname TEXT NOT NULL,
  object TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  tier INTEGER,
  state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
  alert TEXT NOT NULL CHECK (json_valid(alert)),
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_notified_at TEXT NOT NULL,
  resolved_at TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_instances_by_team ON alert_instances (team, state);

CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('firing', 'repeat', 'resolved', 'test')),
  alert TEXT NOT NULL CHECK (json_valid(alert)),
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at TEXT
) STRICT;
CREATE INDEX alert_outbox_due ON alert_outbox (channel, id) WHERE sent_at IS NULL;

CREATE TABLE alert_team_health (
  team TEXT PRIMARY KEY,
  first_seen_at TEXT NOT NULL,
  last_cycle_at TEXT,
  last_success_at TEXT,
  interval_seconds INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
