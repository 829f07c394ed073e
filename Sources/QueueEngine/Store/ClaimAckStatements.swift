import Foundation
import PostgresNIO

/// The worker's two hot statements, prepared once per pooled connection: parsing and planning them
/// on every claim cost about as much as running a small claim, and sat on the wake-up path.
///
/// Both are written so that every plan — the generic one a connection settles on, whose row
/// estimates ignore the batch size, and custom ones under stale statistics — reaches the rows by
/// primary key: the claim updates `id = ANY(ARRAY(picked))`, and the ack compares the state as
/// text, which keeps the planner off the partial index of running jobs (a scan of every running job
/// of every worker, joined to the batch, was what it picked otherwise).

/// Claims up to `limit` ready jobs of a queue that have no concurrency key (see `JobStore.claim`).
///
/// The claim commits asynchronously: its WAL flush was a fifth of a woken worker's claim. A crash of
/// PostgreSQL can then forget a claim its worker already runs, and the job is claimed again under
/// the same lease token. That is why every statement that uses a lease (ack, heartbeat, progress)
/// also matches the worker's id, and a worker that gets a job it still runs keeps the running attempt
/// (`RunningJobs.reserve`): a forgotten claim costs at most a second run, like a rescue, never an ack
/// of one worker's attempt recorded as another's. Acks stay synchronous.
struct ClaimJobsStatement: PostgresPreparedStatement {
    static let name = "claim_jobs_v2"
    static let sql = """
        WITH picked AS MATERIALIZED (
            SELECT id FROM queue_jobs
            WHERE state = 'available' AND concurrency_key IS NULL
              AND queue = $1 AND run_at <= now()
              AND NOT EXISTS (SELECT 1 FROM queue_paused WHERE queue_paused.queue = $1)
              -- Committed without waiting for the WAL flush (see the type's comment).
              AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
            ORDER BY priority, run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        , claimed AS (
            UPDATE queue_jobs j
            SET state = 'running', attempt = j.attempt + 1, lease_token = j.lease_token + 1,
                attempted_at = now(), lease_expires_at = now() + $4 * interval '1 second',
                worker_id = $3
            WHERE j.id = ANY(ARRAY(SELECT id FROM picked))
            RETURNING j.priority, \(JobStore.claimedColumns)
        )
        -- Started in claim order: the update returns rows in index order.
        SELECT \(JobStore.claimedColumns) FROM claimed j ORDER BY j.priority, j.run_at, j.id
        """
    typealias Row = ClaimedJob

    let queue: String
    let limit: Int
    let workerID: String
    let leaseSeconds: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(queue)
        bindings.append(limit)
        bindings.append(workerID)
        bindings.append(leaseSeconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ClaimedJob { try JobStore.decodeClaimed(row) }
}

/// Records many attempt endings (see `JobStore.acknowledge`); answers the ids it changed. Completions
/// of kinds that keep no completed rows are deleted and counted instead of updated; both halves see
/// the same snapshot and touch different rows.
struct AcknowledgeJobsStatement: PostgresPreparedStatement {
    static let name = "ack_jobs_v3"
    static let sql = """
        WITH u AS (
            SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::float8[], $5::int[], $6::text[], $7::text[], $8::bool[])
                AS u(id, token, state, delay, refund, result, error, remove)
        ), deleted AS (
            DELETE FROM queue_jobs j USING u
            WHERE u.remove AND j.id = u.id AND j.lease_token = u.token AND j.state::text = 'running' AND j.worker_id = $9
            RETURNING j.id, j.queue, j.kind
        ), counted AS (
            INSERT INTO queue_deleted_completions AS c (queue, kind, shard, completed)
            -- The connection's own shard, so concurrent acks do not queue on one row; in one
            -- order, so two acks that count the same kinds cannot deadlock.
            SELECT queue, kind, pg_backend_pid() % 16, count(*) FROM deleted GROUP BY queue, kind ORDER BY queue, kind
            ON CONFLICT (queue, kind, shard) DO UPDATE SET completed = c.completed + excluded.completed
        ), updated AS (
        UPDATE queue_jobs j
        SET state = (CASE WHEN j.cancel_requested_at IS NOT NULL AND u.state = 'available'
                          THEN 'cancelled' ELSE u.state END)::queue_job_state,
            attempt = j.attempt - u.refund,
            run_at = CASE WHEN u.state = 'available' THEN now() + u.delay * interval '1 second' ELSE j.run_at END,
            finished_at = CASE WHEN u.state = 'available' AND j.cancel_requested_at IS NULL THEN NULL ELSE now() END,
            lease_expires_at = NULL,
            result = NULLIF(u.result, '')::jsonb,
            errors = CASE WHEN u.error = '' THEN j.errors
                          ELSE j.errors || jsonb_build_array(jsonb_build_object(
                              'attempt', j.attempt, 'at', now(), 'error', u.error)) END
        FROM u
        WHERE NOT u.remove AND j.id = u.id AND j.lease_token = u.token AND j.state::text = 'running' AND j.worker_id = $9
        RETURNING j.id
        )
        SELECT id FROM updated UNION ALL SELECT id FROM deleted
        """
    typealias Row = Int64

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }

    /// The eight column arrays of `completions` and the id of the worker that ran them, in the
    /// statement's parameter order.
    static func bindings(for completions: [Completion], workerID: String) -> PostgresBindings {
        var ids: [Int64] = [], tokens: [Int32] = [], states: [String] = [], delays: [Double] = []
        var refunds: [Int32] = [], results: [String] = [], errors: [String] = [], removes: [Bool] = []
        ids.reserveCapacity(completions.count)
        for completion in completions {
            ids.append(completion.jobID)
            tokens.append(completion.leaseToken)
            var state = "available", delay = 0.0, refund: Int32 = 0, result = "", error = ""
            switch completion.result {
            case .completed(let json): state = "completed"; result = json ?? ""
            case .retry(let wait, let message): delay = wait.seconds; error = message
            case .snooze(let wait): delay = wait.seconds; refund = 1
            case .discarded(let message): state = "discarded"; error = message
            case .cancelled(let reason): state = "cancelled"; error = reason
            case .released: refund = 1
            }
            states.append(state)
            delays.append(delay)
            refunds.append(refund)
            results.append(result)
            errors.append(error)
            removes.append(completion.deletesRow)
        }
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(ids)
        bindings.append(tokens)
        bindings.append(states)
        bindings.append(delays)
        bindings.append(refunds)
        bindings.append(results)
        bindings.append(errors)
        bindings.append(removes)
        bindings.append(workerID)
        return bindings
    }
}

/// Records a batch in which every ending is a plain completion (no result, row kept), the whole of a
/// busy queue of fire-and-forget jobs: two arrays to bind and one UPDATE instead of eight arrays and
/// the delete, count and CASE arms of `AcknowledgeJobsStatement`, which it matches for these endings.
struct CompleteJobsStatement: PostgresPreparedStatement {
    static let name = "complete_jobs_v2"
    static let sql = """
        UPDATE queue_jobs j
        SET state = 'completed', finished_at = now(), lease_expires_at = NULL, result = NULL
        FROM unnest($1::bigint[], $2::int[]) AS u(id, token)
        WHERE j.id = u.id AND j.lease_token = u.token AND j.state::text = 'running' AND j.worker_id = $3
        RETURNING j.id
        """
    typealias Row = Int64

    let ids: [Int64]
    let tokens: [Int32]
    let workerID: String

    /// The statement for `completions` when every one of them is a plain completion, else nil.
    init?(_ completions: [Completion], workerID: String) {
        guard completions.allSatisfy({ $0.result == .completed(resultJSON: nil) && !$0.deletesRow }) else { return nil }
        ids = completions.map(\.jobID)
        tokens = completions.map(\.leaseToken)
        self.workerID = workerID
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(ids)
        bindings.append(tokens)
        bindings.append(workerID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
