-- The queue statistics as a view, so the engine (`JobStore.stats()`, `queuectl stats`, the API's
-- metrics) and outside scalers (KEDA's PostgreSQL trigger) read the very same figures. Each branch
-- of `open` matches a partial index (ready rows with and without a concurrency key, running rows),
-- so the view never reads finished jobs.
CREATE VIEW queue_stats AS
WITH open AS (
    SELECT queue, state, run_at FROM queue_jobs
    WHERE state = 'available' AND concurrency_key IS NULL
    UNION ALL
    SELECT queue, state, run_at FROM queue_jobs
    WHERE state = 'available' AND concurrency_key IS NOT NULL
    UNION ALL
    SELECT queue, state, run_at FROM queue_jobs WHERE state = 'running'
), depth AS (
    SELECT queue,
           count(*) FILTER (WHERE state = 'available' AND run_at <= now()) AS ready,
           count(*) FILTER (WHERE state = 'available' AND run_at > now()) AS scheduled,
           count(*) FILTER (WHERE state = 'running') AS running,
           min(run_at) FILTER (WHERE state = 'available' AND run_at <= now()) AS oldest
    FROM open GROUP BY queue
)
SELECT COALESCE(d.queue, p.queue) AS queue,
       COALESCE(d.ready, 0)::bigint AS ready,
       COALESCE(d.scheduled, 0)::bigint AS scheduled,
       COALESCE(d.running, 0)::bigint AS running,
       COALESCE(EXTRACT(EPOCH FROM now() - d.oldest), 0)::float8 AS oldest_ready_age_seconds,
       p.queue IS NOT NULL AS paused
FROM depth d FULL JOIN queue_paused p ON p.queue = d.queue;
