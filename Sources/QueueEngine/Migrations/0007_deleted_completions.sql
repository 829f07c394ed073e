-- Kinds that delete a job's row at completion (`JobDefaults.deleteWhenCompleted`) count their
-- completions here instead, per queue and kind, so the totals outlive the rows.
CREATE TABLE queue_deleted_completions (
    queue     text   NOT NULL,
    kind      text   NOT NULL,
    completed bigint NOT NULL,
    PRIMARY KEY (queue, kind)
);
