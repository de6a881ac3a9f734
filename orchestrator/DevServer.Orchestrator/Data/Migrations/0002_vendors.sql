-- Vendor sidecars for agent CLIs and retry intelligence: per-task agent settings (backup vendor, turn limit, billing, tools),
-- what each run cost in tokens and why it failed, the workers' self-description, and paused vendor accounts.

ALTER TABLE tasks
    ADD COLUMN backup_vendor     text    NOT NULL DEFAULT '',
    ADD COLUMN backup_model      text    NOT NULL DEFAULT '',
    -- NULL: the configured default, resolved at dispatch; 0: unlimited (chosen explicitly); N: at most N turns.
    ADD COLUMN max_turns         integer CHECK (max_turns BETWEEN 0 AND 10000),
    -- '' (the worker's default) | api_key | subscription
    ADD COLUMN billing_mode      text    NOT NULL DEFAULT '',
    ADD COLUMN allowed_tools     text[]  NOT NULL DEFAULT '{}',
    -- True once the backup vendor has taken over: attempts run on backup_vendor / backup_model.
    ADD COLUMN on_backup         boolean NOT NULL DEFAULT false,
    -- Rate-limited runs in a row: picks the step of the backoff ladder; any other ending resets it.
    ADD COLUMN rate_limit_streak integer NOT NULL DEFAULT 0;

ALTER TABLE runs
    -- The sidecar's AgentErrorKind in lowercase words ('' when none).
    ADD COLUMN error_kind         text    NOT NULL DEFAULT '',
    ADD COLUMN input_tokens       bigint  NOT NULL DEFAULT 0,
    ADD COLUMN output_tokens      bigint  NOT NULL DEFAULT 0,
    ADD COLUMN cache_read_tokens  bigint  NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_tokens bigint  NOT NULL DEFAULT 0,
    -- True for a run that gave its attempt back (the vendor's rate limit).
    ADD COLUMN attempt_given_back boolean NOT NULL DEFAULT false,
    -- The failure classifier's key for the run's failure ('' when unclassified); two in a row stop the task.
    ADD COLUMN failure_class      text    NOT NULL DEFAULT '',
    -- The classifier's hint and evidence, given to the next attempt as its remediation.
    ADD COLUMN failure_hint       text    NOT NULL DEFAULT '',
    ADD COLUMN failure_evidence   text[]  NOT NULL DEFAULT '{}';

ALTER TABLE workers
    ADD COLUMN resumes_sessions boolean NOT NULL DEFAULT false,
    ADD COLUMN reports_cost     boolean NOT NULL DEFAULT false,
    -- The vendor account the worker's runs count against; the vendor id when the worker names none.
    ADD COLUMN account          text    NOT NULL DEFAULT '';

-- Stages left empty are detected by the verifier from the checkout unless the repository turns detection off.
ALTER TABLE repositories ADD COLUMN detect_commands boolean NOT NULL DEFAULT true;

-- A vendor account that hit a usage limit with a known reset time: no agent work goes to its workers before
-- paused_until. Rows in the past are harmless and overwritten by the next pause.
CREATE TABLE vendor_pauses (
    vendor       text        NOT NULL,
    account      text        NOT NULL,
    paused_until timestamptz NOT NULL,
    reason       text        NOT NULL DEFAULT '',
    paused_at    timestamptz NOT NULL,
    PRIMARY KEY (vendor, account)
);
