-- The pipeline's tables: repositories, tasks and their attempts (runs), the event log, the mesh's
-- workers and assignments, queue settings and API tokens. Quartz keeps its own qrtz_* tables, which it
-- provisions itself.

CREATE TABLE repositories (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    location        text        NOT NULL,
    default_branch  text        NOT NULL,
    pre_command     text        NOT NULL DEFAULT '',
    build_command   text        NOT NULL DEFAULT '',
    test_command    text        NOT NULL DEFAULT '',
    lint_command    text        NOT NULL DEFAULT '',
    stage_timeout   interval    NOT NULL,
    max_attempts    integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 10),
    attempt_timeout interval    NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE tasks (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id       bigint      NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    title               text        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    acceptance          text        NOT NULL DEFAULT '',
    priority            smallint    NOT NULL CHECK (priority BETWEEN 1 AND 4),
    vendor              text        NOT NULL,
    model               text        NOT NULL DEFAULT '',
    base_branch         text        NOT NULL,
    base_commit         text        NOT NULL DEFAULT '',
    -- pending | queued | running | verifying | done | failed | blocked | cancelled
    status              text        NOT NULL,
    status_reason       text        NOT NULL DEFAULT '',
    max_attempts        integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 10),
    -- Attempts counted against max_attempts since creation or the last manual retry.
    attempts_used       integer     NOT NULL DEFAULT 0,
    -- The number the next attempt gets; runs are numbered on across manual retries.
    next_attempt        integer     NOT NULL DEFAULT 1,
    attempt_timeout     interval    NOT NULL,
    skip_verification   boolean     NOT NULL DEFAULT false,
    labels              text[]      NOT NULL DEFAULT '{}',
    -- While queued for a retry: not dispatched before this time.
    not_before          timestamptz,
    -- The sidecar of the previous attempt: retries go back to it while it is connected, so the agent
    -- can resume its session.
    preferred_worker_id text,
    last_event_sequence bigint      NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);

CREATE INDEX tasks_dispatch_order ON tasks (priority, id) WHERE status = 'queued';
CREATE INDEX tasks_by_repository ON tasks (repository_id, id);
CREATE INDEX tasks_by_status ON tasks (status, id);

CREATE TABLE runs (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id                    bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt                    integer     NOT NULL,
    worker_id                  text        NOT NULL,
    vendor                     text        NOT NULL,
    model                      text        NOT NULL DEFAULT '',
    -- running | succeeded | failed | timed_out | cancelled | lost | blocked
    outcome                    text        NOT NULL,
    exit_code                  integer,
    turns                      integer     NOT NULL DEFAULT 0,
    cost_usd                   numeric(12, 4) NOT NULL DEFAULT 0,
    duration                   interval,
    session_id                 text        NOT NULL DEFAULT '',
    output_excerpt             text        NOT NULL DEFAULT '',
    error                      text        NOT NULL DEFAULT '',
    base_commit                text        NOT NULL DEFAULT '',
    head_commit                text        NOT NULL DEFAULT '',
    commit_count               integer     NOT NULL DEFAULT 0,
    patch_series               bytea,
    verification_passed        boolean,
    verification_failed_stage  text        NOT NULL DEFAULT '',
    verification_exit_code     integer,
    verification_output_tail   text        NOT NULL DEFAULT '',
    verification_duration      interval,
    started_at                 timestamptz NOT NULL,
    finished_at                timestamptz,
    UNIQUE (task_id, attempt)
);

CREATE TABLE workers (
    id               text        PRIMARY KEY,
    name             text        NOT NULL,
    -- vendor | verifier
    kind             text        NOT NULL,
    vendor           text        NOT NULL DEFAULT '',
    models           text[]      NOT NULL DEFAULT '{}',
    capacity         integer     NOT NULL,
    version          text        NOT NULL DEFAULT '',
    -- The orchestrator instance holding the worker's stream; NULL while it is not connected.
    instance_id      text,
    lease_expires_at timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    registered_at    timestamptz NOT NULL
);

CREATE TABLE assignments (
    id                  uuid        PRIMARY KEY,
    task_id             bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    run_id              bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt             integer     NOT NULL,
    worker_id           text        NOT NULL REFERENCES workers (id),
    -- agent | verify
    kind                text        NOT NULL,
    -- open | finished | cancelled | lost | timed_out
    state               text        NOT NULL,
    -- The highest event sequence number stored for this assignment (dedupes resent events).
    last_event_sequence bigint      NOT NULL DEFAULT 0,
    deadline            timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    finished_at         timestamptz
);

CREATE INDEX assignments_open_by_worker ON assignments (worker_id) WHERE state = 'open';

-- The event log. position is global and allocated from event_log_head inside the writing transaction,
-- whose row lock makes positions follow commit order: a reader that has seen position N and later
-- reads "position > N" can never miss an event committed in between.
CREATE TABLE task_events (
    position   bigint      PRIMARY KEY,
    task_id    bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    sequence   bigint      NOT NULL,
    attempt    integer     NOT NULL DEFAULT 0,
    kind       text        NOT NULL,
    -- The devserver.events.v1.TaskEvent message as protobuf bytes.
    payload    bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (task_id, sequence)
);

CREATE TABLE event_log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint  NOT NULL
);

INSERT INTO event_log_head (singleton, position) VALUES (true, 0);

CREATE TABLE queue_settings (
    singleton       boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    paused          boolean     NOT NULL DEFAULT false,
    max_concurrency integer     NOT NULL DEFAULT 2 CHECK (max_concurrency BETWEEN 1 AND 10),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO queue_settings (singleton) VALUES (true);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL,
    -- admin (every service) | worker (the mesh only)
    role         text        NOT NULL,
    -- SHA-256 of the token; the token itself is never stored.
    token_sha256 bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
