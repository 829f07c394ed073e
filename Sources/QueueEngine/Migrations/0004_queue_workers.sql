-- Live workers: each announces itself every heartbeat interval and removes its row when it stops,
-- so operators see which workers are alive, where, on which queues and how busy.
CREATE TABLE queue_workers (
    id           text PRIMARY KEY,
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    queues       jsonb       NOT NULL,
    running      integer     NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
