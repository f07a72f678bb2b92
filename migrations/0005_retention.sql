-- ascsync schema v5 (issue 14): retention.
-- plans: every plan keeps a summary (counts per action, outcome); the full plan JSON is kept
--   only for plans that wrote something (`full` = 1). A plan that wrote nothing keeps 'null'.
-- Indexes: age pruning walks (team, time) instead of every row of a team, and deleting a parent
--   row (sync run, plan) finds its children (events, audit, journal) by index.
-- events stays append-only for updates (its trigger is BEFORE UPDATE only): DELETE is allowed.
ALTER TABLE plans ADD COLUMN summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary));
ALTER TABLE plans ADD COLUMN full INTEGER NOT NULL DEFAULT 1 CHECK (full IN (0, 1));

CREATE INDEX sync_runs_by_team_age ON sync_runs (team, started_at);
CREATE INDEX events_by_team_age ON events (team, at);
CREATE INDEX events_by_run ON events (run_id);
CREATE INDEX plans_by_team_age ON plans (team, created_at);
CREATE INDEX audit_by_team_age ON audit (team, at);
CREATE INDEX audit_by_plan ON audit (plan_id);
CREATE INDEX journal_by_team_age ON journal (team, created_at);
CREATE INDEX journal_by_plan ON journal (plan_id);
