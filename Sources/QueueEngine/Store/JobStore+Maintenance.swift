import Foundation
import PostgresNIO

extension JobStore {
    /// Runs `body` only if no other process holds the named maintenance lock right now, so a
    /// maintenance task runs in exactly one process at a time. The lock is transaction-scoped: it
    /// cannot outlive a crashed leader. Returns nil when another process is the leader.
    public func asLeader<T: Sendable>(
        of task: MaintenanceLock,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T? {
        try await onConnection { [logger] connection in
            try await connection.transaction(logger: logger) { connection -> T? in
                let rows = try await connection.query(
                    "SELECT pg_try_advisory_xact_lock(\(MaintenanceLock.space), \(task.rawValue))", logger: logger)
                var acquired = false
                for try await value in rows.decode(Bool.self) { acquired = value }
                guard acquired else { return nil }
                return try await body(connection)
            }
        }
    }

    /// Moves up to `limit` running jobs whose lease expired back to `available` (or to `discarded`
    /// when their attempts are used up, `cancelled` when a cancel was requested). Returns the queues
    /// of the jobs made available, so their workers can be woken.
    public static func rescueExpired(limit: Int, on connection: PostgresConnection,
                                     logger: Logger) async throws -> (count: Int, queues: Set<String>) {
        let rows = try await connection.query("""
            WITH expired AS MATERIALIZED (
                SELECT id FROM queue_jobs
                WHERE state = 'running' AND lease_expires_at < now()
                ORDER BY lease_expires_at
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE queue_jobs j
            SET state = (CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                              WHEN j.attempt >= j.max_attempts THEN 'discarded'
                              ELSE 'available' END)::queue_job_state,
                finished_at = CASE WHEN j.cancel_requested_at IS NULL AND j.attempt < j.max_attempts
                                   THEN NULL ELSE now() END,
                run_at = now(),
                lease_expires_at = NULL,
                errors = j.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', j.attempt, 'at', now(),
                    'error', 'lease expired: worker ' || COALESCE(j.worker_id, '?') || ' stopped renewing it'))
            FROM expired
            WHERE j.id = expired.id
            RETURNING j.queue, j.state::text
            """, logger: logger)
        var count = 0
        var queues = Set<String>()
        for try await (queue, state) in rows.decode((String, String).self) {
            count += 1
            if state == JobState.available.rawValue { queues.insert(queue) }
        }
        return (count, queues)
    }

    /// Deletes up to `limit` finished jobs that finished more than `retention` ago.
    public static func pruneFinished(olderThan retention: Duration, limit: Int, on connection: PostgresConnection,
                                     logger: Logger) async throws -> Int {
        let seconds = retention.seconds
        let rows = try await connection.query("""
            WITH doomed AS MATERIALIZED (
                SELECT id FROM queue_jobs
                WHERE state IN ('completed', 'discarded', 'cancelled')
                  AND finished_at < now() - \(seconds) * interval '1 second'
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            DELETE FROM queue_jobs j USING doomed WHERE j.id = doomed.id
            RETURNING j.id
            """, logger: logger)
        var count = 0
        for try await _ in rows.decode(Int64.self) { count += 1 }
        return count
    }
}

/// The maintenance tasks that must run in one process at a time, each with its own advisory lock.
public enum MaintenanceLock: Int32, Sendable {
    case rescue = 1
    case prune = 2
    case schedule = 3

    /// The first key of the two-key advisory locks used for maintenance leadership.
    static let space: Int32 = 0x5150_4D54
}
