-- ascsync schema v2: what the apply step needs to be safe and explainable.
-- plans: every plan that was applied (or blocked), as rendered JSON.
-- journal: intent before side effect; an entry is written as 'pending' before the HTTP call
--   and completed after it, so a crash leaves evidence to resolve by reading back.
-- audit: one row per attempted change with before/after and the outcome.

CREATE TABLE plans (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  created_at TEXT NOT NULL,
  plan TEXT NOT NULL CHECK (json_valid(plan))
) STRICT;
CREATE INDEX plans_by_team ON plans (team, id);

CREATE TABLE journal (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  plan_id INTEGER REFERENCES plans (id),
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  natural_key TEXT NOT NULL,
  request TEXT NOT NULL CHECK (json_valid(request)),
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'resolved')),
  result TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(result)),
  error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  completed_at TEXT
) STRICT;
CREATE INDEX journal_by_team ON journal (team, id);
-- Startup recovery only ever looks for pending entries; keep that lookup tiny.
CREATE INDEX journal_pending ON journal (team, id) WHERE state = 'pending';

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  plan_id INTEGER REFERENCES plans (id),
  at TEXT NOT NULL,
  change_kind TEXT NOT NULL,
  change_key TEXT NOT NULL,
  action TEXT NOT NULL,
  before TEXT NOT NULL CHECK (json_valid(before)),
  after TEXT NOT NULL CHECK (json_valid(after)),
  outcome TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_team ON audit (team, id);
