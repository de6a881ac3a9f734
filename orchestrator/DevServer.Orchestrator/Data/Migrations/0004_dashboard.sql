-- What the dashboard needs beyond the pipeline: settings that are applied (not only stored), when tasks finished
-- (analytics, "completed today") and were retired, task templates, the ideas tree, and the cluster's log.

ALTER TABLE queue_settings
    -- New tasks are queued at once unless their CreateTaskRequest says otherwise.
    ADD COLUMN auto_enqueue          boolean NOT NULL DEFAULT false,
    -- The dashboard's desktop notifications (and any later notifier) check this.
    ADD COLUMN notifications_enabled boolean NOT NULL DEFAULT true;

ALTER TABLE tasks
    -- When the task last entered done, failed or blocked (set by the one status write in TaskTransitions,
    -- cleared when it leaves them); analytics count a task on this day.
    ADD COLUMN finished_at timestamptz,
    -- Set when someone retires a finished task; lists leave it out unless asked. Queuing (or re-delivering) it clears it.
    ADD COLUMN retired_at  timestamptz;

UPDATE tasks SET finished_at = updated_at WHERE status IN ('done', 'failed', 'blocked');

CREATE INDEX tasks_by_finished_at ON tasks (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX runs_by_started_at ON runs (started_at);

CREATE TABLE task_templates (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text        NOT NULL UNIQUE,
    description       text        NOT NULL DEFAULT '',
    acceptance        text        NOT NULL DEFAULT '',
    -- The repository's name ('' none); a name, not a key, so removing a repository leaves templates alone.
    repository        text        NOT NULL DEFAULT '',
    -- 0: none.
    priority          smallint    NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    vendor            text        NOT NULL DEFAULT '',
    model             text        NOT NULL DEFAULT '',
    backup_vendor     text        NOT NULL DEFAULT '',
    backup_model      text        NOT NULL DEFAULT '',
    -- NULL: none; 0: unlimited; n: at most n turns (the same encoding as tasks.max_turns).
    max_turns         integer,
    -- '' (none) or the tasks.billing_mode values.
    billing_mode      text        NOT NULL DEFAULT '',
    -- '' (none) or the tasks.delivery_flow values.
    delivery_flow     text        NOT NULL DEFAULT '',
    skip_verification boolean     NOT NULL DEFAULT false,
    labels            text[]      NOT NULL DEFAULT '{}',
    allowed_tools     text[]      NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE TABLE ideas (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Only folders have children; deleting a folder deletes what is in it.
    parent_id  bigint      REFERENCES ideas (id) ON DELETE CASCADE,
    -- folder | idea
    kind       text        NOT NULL CHECK (kind IN ('folder', 'idea')),
    title      text        NOT NULL,
    content    text        NOT NULL DEFAULT '',
    sort_order integer     NOT NULL DEFAULT 0,
    -- The task made from the idea; deleting the task unlinks it.
    task_id    bigint      REFERENCES tasks (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX ideas_by_parent ON ideas (parent_id, sort_order, title);

-- The log of every orchestrator and of the workers connected to them; pruned by age and count.
CREATE TABLE log_entries (
    position  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    -- 1 trace … 6 critical (devserver.logs.v1.LogLevel)
    level     smallint    NOT NULL,
    -- "orchestrator <instance>" | "worker <worker id>"
    source    text        NOT NULL,
    category  text        NOT NULL,
    message   text        NOT NULL,
    exception text        NOT NULL DEFAULT ''
);
