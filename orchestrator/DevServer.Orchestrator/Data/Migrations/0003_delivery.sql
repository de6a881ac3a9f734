-- Delivery: what happens to verified work (pull request, direct commit, patch only), per task with a default per
-- repository; the repository's forge and preflight rules; the delivery lease and outcome on the task.

ALTER TABLE repositories
    -- '' (patch only) | pull_request | direct_commit | patch
    ADD COLUMN delivery_flow         text     NOT NULL DEFAULT '',
    -- '' (derived from the location) | none | gitea | github
    ADD COLUMN forge_kind            text     NOT NULL DEFAULT '',
    ADD COLUMN forge_api_url         text     NOT NULL DEFAULT '',
    ADD COLUMN forge_repository      text     NOT NULL DEFAULT '',
    -- Write-only through the API: never returned, logged or put in events.
    ADD COLUMN forge_token           text,
    ADD COLUMN deny_paths            text[]   NOT NULL DEFAULT '{}',
    ADD COLUMN allow_paths           text[]   NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_author_emails text[]   NOT NULL DEFAULT '{}',
    -- 0: the gate's default.
    ADD COLUMN max_diff_bytes        bigint   NOT NULL DEFAULT 0,
    ADD COLUMN max_files             integer  NOT NULL DEFAULT 0;

ALTER TABLE tasks
    -- '' (the repository's default) | pull_request | direct_commit | patch
    ADD COLUMN delivery_flow          text        NOT NULL DEFAULT '',
    -- The delivery lease: a delivering task whose lease is in the future is being delivered by some orchestrator;
    -- one that crashed mid-delivery lets it expire and any instance picks the task up again from the top.
    ADD COLUMN delivery_claimed_until timestamptz,
    -- After a transient failure: not before this time.
    ADD COLUMN delivery_not_before    timestamptz,
    -- Transient failures in a row (picks the back-off step).
    ADD COLUMN delivery_failures      integer     NOT NULL DEFAULT 0,
    -- Why delivery blocked the task: '' | preflight (the work itself must change: a retry runs the agent again) |
    -- delivery (the forge or the target refused: a retry delivers the same work again).
    ADD COLUMN delivery_blocked       text        NOT NULL DEFAULT '',
    -- The outcome, once delivered.
    ADD COLUMN delivered_flow         text        NOT NULL DEFAULT '',
    ADD COLUMN delivered_branch       text        NOT NULL DEFAULT '',
    ADD COLUMN delivered_commit       text        NOT NULL DEFAULT '',
    ADD COLUMN pull_request_url       text        NOT NULL DEFAULT '',
    ADD COLUMN pull_request_number    bigint      NOT NULL DEFAULT 0,
    ADD COLUMN delivered_at           timestamptz;

-- The delivery loop's query: delivering tasks whose lease and back-off are over.
CREATE INDEX tasks_delivering ON tasks (id) WHERE status = 'delivering';

ALTER TABLE runs
    -- The diff statistics delivery measured on the run's series (JSON: [{path, insertions, deletions, binary}]).
    ADD COLUMN diff_statistics jsonb;
