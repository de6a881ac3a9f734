-- PreflightSettings.allow_lock_files: a repository may accept lock-file changes (dependency bumps). Off by default,
-- as before this column existed: the gate blocks package-lock.json, go.sum, Cargo.lock… unless a person allows them.

ALTER TABLE repositories
    ADD COLUMN allow_lock_files boolean NOT NULL DEFAULT false;
