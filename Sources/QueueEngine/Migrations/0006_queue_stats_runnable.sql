-- What could start now, beside what is due: `runnable` leaves out the ready jobs their concurrency
-- key holds back (the key's running jobs, anywhere, plus those ahead of them in claim order, already
-- fill its limit), and `oldest_runnable_age_seconds` is the wait of the oldest job that could start.
-- An autoscaler reads these, so a campaign of thousands of jobs limited to two per workspace asks
-- for the workers that can run them, not for the maximum.
CREATE OR REPLACE VIEW queue_stats AS
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
), keyed AS (
    SELECT queue, concurrency_key, concurrency_limit, run_at,
           row_number() OVER (PARTITION BY queue, concurrency_key ORDER BY priority, run_at, id) AS rank
    FROM queue_jobs
    WHERE state = 'available' AND concurrency_key IS NOT NULL AND run_at <= now()
), busy AS (
    SELECT concurrency_key, count(*) AS n FROM queue_jobs
    WHERE state = 'running' AND concurrency_key IS NOT NULL
    GROUP BY concurrency_key
), startable AS (
    SELECT queue, run_at FROM queue_jobs
    WHERE state = 'available' AND concurrency_key IS NULL AND run_at <= now()
    UNION ALL
    SELECT k.queue, k.run_at FROM keyed k LEFT JOIN busy b ON b.concurrency_key = k.concurrency_key
    WHERE k.rank + COALESCE(b.n, 0) <= k.concurrency_limit
), runnable AS (
    SELECT queue, count(*) AS n, min(run_at) AS oldest FROM startable GROUP BY queue
)
SELECT COALESCE(d.queue, p.queue) AS queue,
       COALESCE(d.ready, 0)::bigint AS ready,
       COALESCE(d.scheduled, 0)::bigint AS scheduled,
       COALESCE(d.running, 0)::bigint AS running,
       COALESCE(EXTRACT(EPOCH FROM now() - d.oldest), 0)::float8 AS oldest_ready_age_seconds,
       p.queue IS NOT NULL AS paused,
       COALESCE(r.n, 0)::bigint AS runnable,
       COALESCE(EXTRACT(EPOCH FROM now() - r.oldest), 0)::float8 AS oldest_runnable_age_seconds
FROM depth d
FULL JOIN queue_paused p ON p.queue = d.queue
LEFT JOIN runnable r ON r.queue = COALESCE(d.queue, p.queue);
