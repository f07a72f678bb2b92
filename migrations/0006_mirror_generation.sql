-- ascsync schema v6 (issue 14): a per-team mirror generation.
-- Every insert, update or delete of a team's mirror rows, by any connection or process, bumps the
-- team's generation (triggers below). store::Mirror keeps the snapshot it last committed in
-- memory together with the generation it left behind, and diffs the next refresh against that
-- copy instead of re-reading every row — but only while the generation is unchanged, so a write by
-- anyone else (another process, an apply, a hand edit) makes it read the rows again.
CREATE TABLE mirror_generation (
  team TEXT PRIMARY KEY,
  generation INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER apps_generation_insert AFTER INSERT ON apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER apps_generation_update AFTER UPDATE ON apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER apps_generation_delete AFTER DELETE ON apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER users_generation_insert AFTER INSERT ON users BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER users_generation_update AFTER UPDATE ON users BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER users_generation_delete AFTER DELETE ON users BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_visible_apps_generation_insert AFTER INSERT ON user_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_visible_apps_generation_update AFTER UPDATE ON user_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_visible_apps_generation_delete AFTER DELETE ON user_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_invitations_generation_insert AFTER INSERT ON user_invitations BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_invitations_generation_update AFTER UPDATE ON user_invitations BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER user_invitations_generation_delete AFTER DELETE ON user_invitations BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER invitation_visible_apps_generation_insert AFTER INSERT ON invitation_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER invitation_visible_apps_generation_update AFTER UPDATE ON invitation_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER invitation_visible_apps_generation_delete AFTER DELETE ON invitation_visible_apps BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_groups_generation_insert AFTER INSERT ON beta_groups BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_groups_generation_update AFTER UPDATE ON beta_groups BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_groups_generation_delete AFTER DELETE ON beta_groups BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_testers_generation_insert AFTER INSERT ON beta_testers BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_testers_generation_update AFTER UPDATE ON beta_testers BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER beta_testers_generation_delete AFTER DELETE ON beta_testers BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER group_memberships_generation_insert AFTER INSERT ON group_memberships BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER group_memberships_generation_update AFTER UPDATE ON group_memberships BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER group_memberships_generation_delete AFTER DELETE ON group_memberships BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER certificates_generation_insert AFTER INSERT ON certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER certificates_generation_update AFTER UPDATE ON certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER certificates_generation_delete AFTER DELETE ON certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profiles_generation_insert AFTER INSERT ON profiles BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profiles_generation_update AFTER UPDATE ON profiles BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profiles_generation_delete AFTER DELETE ON profiles BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profile_certificates_generation_insert AFTER INSERT ON profile_certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profile_certificates_generation_update AFTER UPDATE ON profile_certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (NEW.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER profile_certificates_generation_delete AFTER DELETE ON profile_certificates BEGIN
  INSERT INTO mirror_generation (team, generation) VALUES (OLD.team, 1)
    ON CONFLICT (team) DO UPDATE SET generation = generation + 1;
END;
