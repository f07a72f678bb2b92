-- ascsync schema v3 (issue 12): what the last cycle of each team came to, and which kinds of
-- object its refresh did not read.
-- cycle_outcomes: one row per team, replaced by every applying cycle (daemon or `ascsync apply`):
--   converged | blocked | partial | paused (budget reserve reached; not a failure) | failed.
-- mirror_unread: the kinds the team's last refresh left out (not managed by the desired state, or
--   the key's role may not read them). Their rows in the mirror are as last read, never "empty".
CREATE TABLE cycle_outcomes (
  team TEXT PRIMARY KEY,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('converged', 'blocked', 'partial', 'paused', 'failed')),
  summary TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  resume_at TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE mirror_unread (
  team TEXT NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  since TEXT NOT NULL,
  PRIMARY KEY (team, kind)
) STRICT, WITHOUT ROWID;
