-- The scheduler's memory: per cron/ entry, the instant up to which its ticks have been handled
-- (enqueued, or skipped by the catch-up policy). Replicas lock the row while they enqueue a tick
-- and move the mark forward in the same transaction, so each tick becomes one job however many
-- schedulers run, and catch-up after downtime starts from here.
CREATE TABLE queue_schedule (
    name          text PRIMARY KEY,
    covered_until timestamptz NOT NULL,
    last_tick     timestamptz,
    last_job_id   bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
