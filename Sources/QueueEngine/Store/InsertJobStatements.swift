import Foundation
import PostgresNIO

/// The job inserts as prepared statements: each pooled connection parses and plans them once, which
/// is most of the server's work for a one-row insert and for the small batches `EnqueueBatcher`
/// makes. Jobs without a unique key skip the ON CONFLICT arbiter (a speculative insertion costs
/// noticeably more than a plain one).
struct InsertJobStatement: PostgresPreparedStatement {
    static let name = "insert_job_v2"
    static let sql = "INSERT INTO queue_jobs \(columns) VALUES \(values) RETURNING id"
    typealias Row = Int64

    let job: NewJob

    func makeBindings() throws -> PostgresBindings { Self.bindings(for: job) }
    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }

    static let columns = """
        (kind, queue, args, priority, max_attempts, run_at, timeout_ms, unique_key,
         workspace_id, tags, concurrency_key, concurrency_limit, trace_parent)
        """
    static let values = "($1, $2, $3::jsonb, $4, $5, COALESCE($6, now()), $7, $8, $9, $10, $11, $12, $13)"

    static func bindings(for job: NewJob) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 13)
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
        bindings.append(job.traceparent)
        return bindings
    }
}

/// The insert of a job with a unique key: nothing is inserted while a non-final job holds the key.
struct InsertUniqueJobStatement: PostgresPreparedStatement {
    static let name = "insert_unique_job_v2"
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

/// Many jobs in one statement (arrays + unnest), answering the new ids in one row: decoding 10k
/// result rows costs more than the insert. Empty strings and zeros stand for NULL, because
/// PostgresNIO binds arrays of non-optional values.
struct InsertJobsStatement: PostgresPreparedStatement {
    static let name = "insert_jobs_v2"
    static let sql = statement(conflict: "")
    /// New ids of jobs without a unique key (ascending, so in input order), then ids and keys of
    /// the keyed jobs inserted.
    typealias Row = ([Int64], [Int64], [String])

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    static func statement(conflict: String) -> String {
        """
        WITH inserted AS (
        INSERT INTO queue_jobs \(InsertJobStatement.columns)
        SELECT u.kind, u.queue, u.args::jsonb, u.priority, u.max_attempts,
               CASE WHEN u.run_at = 0 THEN now() ELSE to_timestamp(u.run_at) END,
               NULLIF(u.timeout_ms, 0), NULLIF(u.unique_key, ''), NULLIF(u.workspace_id, ''),
               CASE WHEN u.tags = '' THEN '{}'::text[] ELSE string_to_array(u.tags, chr(\(JobStore.tagSeparator.unicodeScalars.first!.value))) END,
               NULLIF(u.concurrency_key, ''), NULLIF(u.concurrency_limit, 0), NULLIF(u.trace_parent, '')
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::float8[], $7::int[],
                    $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[])
             WITH ORDINALITY AS u(kind, queue, args, priority, max_attempts, run_at, timeout_ms, unique_key,
                                  workspace_id, tags, concurrency_key, concurrency_limit, trace_parent, ord)
        ORDER BY u.ord
        \(conflict)
        RETURNING id, unique_key
        )
        SELECT COALESCE(array_agg(id ORDER BY id) FILTER (WHERE unique_key IS NULL), '{}'),
               COALESCE(array_agg(id) FILTER (WHERE unique_key IS NOT NULL), '{}'),
               COALESCE(array_agg(unique_key) FILTER (WHERE unique_key IS NOT NULL), '{}')
        FROM inserted
        """
    }

    /// The thirteen column arrays of `jobs`, in the statement's parameter order.
    static func bindings(for jobs: [NewJob]) -> PostgresBindings {
        var kinds: [String] = [], queues: [String] = [], args: [String] = [], priorities: [Int32] = []
        var maxAttempts: [Int32] = [], runAts: [Double] = [], timeouts: [Int32] = [], uniqueKeys: [String] = []
        var workspaces: [String] = [], tags: [String] = [], concurrencyKeys: [String] = [], concurrencyLimits: [Int32] = []
        var traceparents: [String] = []
        for job in jobs {
            kinds.append(job.kind)
            queues.append(job.queue)
            args.append(job.argsJSON)
            priorities.append(Int32(job.priority))
            maxAttempts.append(Int32(clamping: job.maxAttempts))
            runAts.append(job.runAt?.timeIntervalSince1970 ?? 0)
            timeouts.append(Int32(clamping: job.timeout?.milliseconds ?? 0))
            uniqueKeys.append(job.uniqueKey ?? "")
            workspaces.append(job.workspaceID ?? "")
            tags.append(job.tags.joined(separator: JobStore.tagSeparator))
            concurrencyKeys.append(job.concurrency?.key ?? "")
            concurrencyLimits.append(Int32(clamping: job.concurrency?.limit ?? 0))
            traceparents.append(job.traceparent ?? "")
        }
        var bindings = PostgresBindings(capacity: 13)
        bindings.append(kinds)
        bindings.append(queues)
        bindings.append(args)
        bindings.append(priorities)
        bindings.append(maxAttempts)
        bindings.append(runAts)
        bindings.append(timeouts)
        bindings.append(uniqueKeys)
        bindings.append(workspaces)
        bindings.append(tags)
        bindings.append(concurrencyKeys)
        bindings.append(concurrencyLimits)
        bindings.append(traceparents)
        return bindings
    }
}

/// The batch insert when some job carries a unique key: a key already held is skipped, not an error.
struct InsertUniqueJobsStatement: PostgresPreparedStatement {
    static let name = "insert_unique_jobs_v2"
    static let sql = InsertJobsStatement.statement(conflict: JobStore.skipHeldUniqueKeys)
    typealias Row = InsertJobsStatement.Row

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
