-- ascsync schema v7 (issue 10): the certificates ascsync renews for each declared name.
-- signing_certificates: one row per certificate a declared name has had, owned (ascsync made
--   it and holds its key in the custody directory) or adopted (declared with `adopt:`, no key).
--   Keys never go into SQLite: only their public-key fingerprint (SHA-256 of the DER
--   SubjectPublicKeyInfo, 64 lowercase hex digits), which is also the key's custody file name.
-- States: requested (key made, intent journaled, POST maybe sent, no certificate id yet) ->
--   active (verified and serving the name) -> replaced (a successor is active; revoke_after says
--   when it may be revoked, NULL = never) -> revoked (ascsync deleted it at Apple).
--   abandoned: a request settled as "never created"; its key may be removed.
CREATE TABLE signing_certificates (
  id INTEGER PRIMARY KEY,
  team TEXT NOT NULL,
  name TEXT NOT NULL,
  certificate_type TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('owned', 'adopted')),
  state TEXT NOT NULL CHECK (state IN ('requested', 'active', 'replaced', 'revoked', 'abandoned')),
  fingerprint TEXT NOT NULL DEFAULT '',
  certificate_id TEXT NOT NULL DEFAULT '',
  serial_number TEXT NOT NULL DEFAULT '',
  expires_at TEXT,
  lifetime_seconds INTEGER,       -- notAfter - notBefore of the certificate as issued (renew_before: a share)
  requested_at TEXT NOT NULL,
  activated_at TEXT,
  replaced_at TEXT,
  replaced_by TEXT NOT NULL DEFAULT '',
  revoke_after TEXT,
  revoked_at TEXT,
  CHECK (origin = 'adopted' OR length(fingerprint) = 64),
  CHECK (state = 'requested' OR state = 'abandoned' OR certificate_id <> '')
) STRICT;
CREATE INDEX signing_certificates_by_name ON signing_certificates (team, name, id);
-- One row per owned key and one per certificate.
CREATE UNIQUE INDEX signing_certificates_by_fingerprint ON signing_certificates (team, fingerprint)
  WHERE fingerprint <> '';
CREATE UNIQUE INDEX signing_certificates_by_certificate ON signing_certificates (team, certificate_id)
  WHERE certificate_id <> '';

-- The slot limit Apple enforced, learned when it refused a certificate request with "You already
-- have a current ... certificate or a pending certificate request": the number of slots held
-- then. The planner uses the lower of this and policy.certificate_slots.
CREATE TABLE signing_slot_limits (
  team TEXT NOT NULL,
  certificate_type TEXT NOT NULL,
  slot_limit INTEGER NOT NULL CHECK (slot_limit >= 0),
  learned_at TEXT NOT NULL,
  PRIMARY KEY (team, certificate_type)
) STRICT, WITHOUT ROWID;
