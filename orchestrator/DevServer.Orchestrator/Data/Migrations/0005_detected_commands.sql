-- What the verifier detected for the stages a repository leaves empty (Repository.detected_commands): the latest
-- detection per stage, written in the same transaction that stores the StageStarted event saying so.

CREATE TABLE repository_detected_commands (
    repository_id bigint      NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- pre | build | test | lint
    stage         text        NOT NULL CHECK (stage IN ('pre', 'build', 'test', 'lint')),
    command       text        NOT NULL,
    detected_from text        NOT NULL,
    -- The task whose verification detected it; no key, so deleting the task keeps what was detected.
    task_id       bigint      NOT NULL,
    detected_at   timestamptz NOT NULL,
    PRIMARY KEY (repository_id, stage)
);
