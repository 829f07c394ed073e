import Foundation
import PostgresNIO

/// The single-job insert as prepared statements: each pooled connection parses and plans them once,
/// which is most of the server's work for a one-row insert. Jobs without a unique key skip the
/// ON CONFLICT arbiter (a speculative insertion costs noticeably more than a plain one).
struct InsertJobStatement: PostgresPreparedStatement {
    static let name = "vpai_insert_job_v1"
    static let sql = "INSERT INTO queue_jobs \(columns) VALUES \(values) RETURNING id"
    typealias Row = Int64

    let job: NewJob

    func makeBindings() throws -> PostgresBindings { Self.bindings(for: job) }
    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }

    static let columns = """
        (kind, queue, args, priority, max_attempts, run_at, timeout_ms, unique_key,
         workspace_id, tags, concurrency_key, concurrency_limit)
        """
    static let values = "($1, $2, $3::jsonb, $4, $5, COALESCE($6, now()), $7, $8, $9, $10, $11, $12)"

    static func bindings(for job: NewJob) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 12)
        bindings.append(job.kind)
        bindings.append(job.queue)
        bindings.append(job.argsJSON)
        bindings.append(job.priority)
        bindings.append(Int32(clamping: job.maxAttempts))
        bindings.append(job.runAt)
        bindings.append(job.timeout.map { Int32(clamping: $0.milliseconds) })
        bindings.append(job.uniqueKey)
        bindings.append(job.workspaceID)
        bindings.append(job.tags)
        bindings.append(job.concurrency?.key)
        bindings.append(job.concurrency.map { Int32(clamping: $0.limit) })
        return bindings
    }
}

/// The insert of a job with a unique key: nothing is inserted while a non-final job holds the key.
struct InsertUniqueJobStatement: PostgresPreparedStatement {
    static let name = "vpai_insert_unique_job_v1"
    static let sql = """
        INSERT INTO queue_jobs \(InsertJobStatement.columns) VALUES \(InsertJobStatement.values)
        \(JobStore.skipHeldUniqueKeys)
        RETURNING id
        """
    typealias Row = Int64

    let job: NewJob

    func makeBindings() throws -> PostgresBindings { InsertJobStatement.bindings(for: job) }
    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
