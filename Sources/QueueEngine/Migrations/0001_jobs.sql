-- The durable job queue. PostgreSQL is the only source of truth; Redis only wakes workers.

CREATE TYPE queue_job_state AS ENUM ('available', 'running', 'completed', 'discarded', 'cancelled');

CREATE TABLE queue_jobs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                text        NOT NULL,
    queue               text        NOT NULL,
    args                jsonb       NOT NULL DEFAULT '{}',
    state               queue_job_state NOT NULL DEFAULT 'available',
    -- Lower numbers run first; 0 is the default.
    priority            smallint    NOT NULL DEFAULT 0,
    -- Attempts spent so far; a claim spends one, a snooze or a graceful release gives it back.
    attempt             integer     NOT NULL DEFAULT 0,
    max_attempts        integer     NOT NULL CHECK (max_attempts > 0),
    -- Incremented by every claim and never given back: an ack must present the token of its claim,
    -- so a worker whose lease was lost can never overwrite a newer state.
    lease_token         integer     NOT NULL DEFAULT 0,
    run_at              timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    attempted_at        timestamptz,
    finished_at         timestamptz,
    lease_expires_at    timestamptz,
    worker_id           text,
    timeout_ms          integer,
    unique_key          text,
    workspace_id        text,
    tags                text[]      NOT NULL DEFAULT '{}',
    -- One entry per failed attempt: {"attempt", "at", "error"}.
    errors              jsonb       NOT NULL DEFAULT '[]',
    result              jsonb,
    progress            smallint CHECK (progress BETWEEN 0 AND 100),
    progress_message    text,
    -- Global limit on running jobs sharing this key (e.g. calls per workspace), across all workers.
    concurrency_key     text,
    concurrency_limit   integer CHECK (concurrency_limit > 0),
    cancel_requested_at timestamptz,
    CHECK ((concurrency_key IS NULL) = (concurrency_limit IS NULL))
);

-- Serves the fast-path claim: state = 'available' AND queue = $1 AND run_at <= now() AND
-- concurrency_key IS NULL ORDER BY priority, run_at, id. Only ready rows are in it, so it stays small
-- however many finished jobs the table holds.
CREATE INDEX queue_jobs_ready ON queue_jobs (queue, priority, run_at, id)
    WHERE state = 'available' AND concurrency_key IS NULL;

-- Serves the limited-path claim (jobs with a concurrency key) and its running-count per key.
CREATE INDEX queue_jobs_limited_ready ON queue_jobs (queue, concurrency_key, priority, run_at, id)
    WHERE state = 'available' AND concurrency_key IS NOT NULL;
CREATE INDEX queue_jobs_limited_running ON queue_jobs (concurrency_key)
    WHERE state = 'running' AND concurrency_key IS NOT NULL;

-- Serves the rescuer: running jobs whose lease expired.
CREATE INDEX queue_jobs_running_lease ON queue_jobs (lease_expires_at) WHERE state = 'running';

-- Serves the pruner: finished jobs older than the retention.
CREATE INDEX queue_jobs_finished ON queue_jobs (finished_at)
    WHERE state IN ('completed', 'discarded', 'cancelled');

-- Unique jobs: one key among non-final jobs; enqueueing a duplicate returns the existing job.
CREATE UNIQUE INDEX queue_jobs_unique_key ON queue_jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'running');

-- Serves per-workspace listings (API, dashboard).
CREATE INDEX queue_jobs_workspace ON queue_jobs (workspace_id, id DESC) WHERE workspace_id IS NOT NULL;

-- Queues whose workers must not claim (the claim query checks this table once per claim).
CREATE TABLE queue_paused (
    queue     text PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now()
);
