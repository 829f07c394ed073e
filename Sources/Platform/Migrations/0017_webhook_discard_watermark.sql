-- How far the job.discarded sweep has read: the (finished_at, id) of the last discarded job it
-- turned into events. One row; it starts at the migration, so earlier discards send nothing.
CREATE TABLE webhook_discard_watermark (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    finished_at   timestamptz NOT NULL DEFAULT now(),
    job_id        bigint      NOT NULL DEFAULT 0
);
INSERT INTO webhook_discard_watermark DEFAULT VALUES;
