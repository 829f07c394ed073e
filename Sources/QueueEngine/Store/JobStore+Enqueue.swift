import Foundation
import PostgresNIO

extension JobStore {
    /// Inserts one job on `connection` (which may be inside the caller's transaction). A job whose
    /// unique key is held by a non-final job is not inserted; the existing job's id is returned.
    public static func insert(_ job: NewJob, on connection: PostgresConnection, logger: Logger) async throws -> EnqueueResult {
        guard let key = job.uniqueKey else {
            for try await id in try await connection.execute(InsertJobStatement(job: job), logger: logger) {
                EngineMetrics.shared.enqueued(CollectionOfOne(job))
                return EnqueueResult(id: id, isDuplicate: false)
            }
            throw QueueError(.uniqueConflict, "the insert of a \(job.kind) job returned no id")
        }
        // A duplicate may finish between the refused insert and the look-up; then the insert is tried again.
        for _ in 0..<3 {
            for try await id in try await connection.execute(InsertUniqueJobStatement(job: job), logger: logger) {
                EngineMetrics.shared.enqueued(CollectionOfOne(job))
                return EnqueueResult(id: id, isDuplicate: false)
            }
            let existing = try await connection.query("""
                SELECT id FROM queue_jobs
                WHERE unique_key = \(key) AND state IN ('available', 'running')
                """, logger: logger)
            for try await id in existing.decode(Int64.self) {
                return EnqueueResult(id: id, isDuplicate: true)
            }
        }
        throw QueueError(.uniqueConflict, "could not insert or find the job with unique key \(job.uniqueKey ?? "")")
    }

    /// Inserts many jobs in one statement (arrays + unnest). Results are in input order; a job whose
    /// unique key is already held (by an existing job or an earlier one in the batch) gets that job's id.
    public static func insertMany(_ jobs: [NewJob], on connection: PostgresConnection, logger: Logger) async throws -> [EnqueueResult] {
        guard !jobs.isEmpty else { return [] }
        var kinds: [String] = [], queues: [String] = [], args: [String] = [], priorities: [Int] = []
        var maxAttempts: [Int] = [], runAts: [Double] = [], timeouts: [Int] = [], uniqueKeys: [String] = []
        var workspaces: [String] = [], tags: [String] = [], concurrencyKeys: [String] = [], concurrencyLimits: [Int] = []
        for job in jobs {
            kinds.append(job.kind)
            queues.append(job.queue)
            args.append(job.argsJSON)
            priorities.append(Int(job.priority))
            maxAttempts.append(job.maxAttempts)
            // Empty strings and zeros stand for NULL: PostgresNIO binds arrays of non-optional values.
            runAts.append(job.runAt?.timeIntervalSince1970 ?? 0)
            timeouts.append(job.timeout?.milliseconds ?? 0)
            uniqueKeys.append(job.uniqueKey ?? "")
            workspaces.append(job.workspaceID ?? "")
            tags.append(job.tags.joined(separator: Self.tagSeparator))
            concurrencyKeys.append(job.concurrency?.key ?? "")
            concurrencyLimits.append(job.concurrency?.limit ?? 0)
        }
        // The ids come back aggregated in one row: decoding 10k result rows costs more than the insert.
        let rows = try await connection.query("""
            WITH inserted AS (
            INSERT INTO queue_jobs (kind, queue, args, priority, max_attempts, run_at, timeout_ms, unique_key,
                                    workspace_id, tags, concurrency_key, concurrency_limit)
            SELECT u.kind, u.queue, u.args::jsonb, u.priority, u.max_attempts,
                   CASE WHEN u.run_at = 0 THEN now() ELSE to_timestamp(u.run_at) END,
                   NULLIF(u.timeout_ms, 0), NULLIF(u.unique_key, ''), NULLIF(u.workspace_id, ''),
                   CASE WHEN u.tags = '' THEN '{}'::text[] ELSE string_to_array(u.tags, \(Self.tagSeparator)) END,
                   NULLIF(u.concurrency_key, ''), NULLIF(u.concurrency_limit, 0)
            FROM unnest(\(kinds)::text[], \(queues)::text[], \(args)::text[], \(priorities)::int[],
                        \(maxAttempts)::int[], \(runAts)::float8[], \(timeouts)::int[], \(uniqueKeys)::text[],
                        \(workspaces)::text[], \(tags)::text[], \(concurrencyKeys)::text[], \(concurrencyLimits)::int[])
                 WITH ORDINALITY AS u(kind, queue, args, priority, max_attempts, run_at, timeout_ms, unique_key,
                                      workspace_id, tags, concurrency_key, concurrency_limit, ord)
            ORDER BY u.ord
            \(unescaped: uniqueKeys.contains { !$0.isEmpty } ? Self.skipHeldUniqueKeys : "")
            RETURNING id, unique_key
            )
            SELECT COALESCE(array_agg(id ORDER BY id) FILTER (WHERE unique_key IS NULL), '{}'),
                   COALESCE(array_agg(id) FILTER (WHERE unique_key IS NOT NULL), '{}'),
                   COALESCE(array_agg(unique_key) FILTER (WHERE unique_key IS NOT NULL), '{}')
            FROM inserted
            """, logger: logger)
        // Identity values follow the SELECT's order, so inserted ids ascend in input order.
        var insertedPlain: [Int64] = []
        var insertedByKey: [String: Int64] = [:]
        for try await (plain, keyed, keys) in rows.decode(([Int64], [Int64], [String]).self) {
            insertedPlain = plain
            for (id, key) in zip(keyed, keys) { insertedByKey[key] = id }
        }
        let missingKeys = Set(uniqueKeys.filter { !$0.isEmpty && insertedByKey[$0] == nil })
        var existingByKey: [String: Int64] = [:]
        if !missingKeys.isEmpty {
            let existing = try await connection.query("""
                SELECT id, unique_key FROM queue_jobs
                WHERE unique_key = ANY(\(Array(missingKeys))::text[]) AND state IN ('available', 'running')
                """, logger: logger)
            for try await (id, key) in existing.decode((Int64, String).self) { existingByKey[key] = id }
        }
        var results: [EnqueueResult] = []
        results.reserveCapacity(jobs.count)
        var nextPlain = insertedPlain.makeIterator()
        var claimedKeys = Set<String>()
        for job in jobs {
            if let key = job.uniqueKey {
                if let id = insertedByKey[key], claimedKeys.insert(key).inserted {
                    results.append(EnqueueResult(id: id, isDuplicate: false))
                } else if let id = insertedByKey[key] ?? existingByKey[key] {
                    results.append(EnqueueResult(id: id, isDuplicate: true))
                } else {
                    throw QueueError(.uniqueConflict, "the job with unique key \(key) finished while it was enqueued again; enqueue it again")
                }
            } else if let id = nextPlain.next() {
                results.append(EnqueueResult(id: id, isDuplicate: false))
            }
        }
        EngineMetrics.shared.enqueued(zip(jobs, results).lazy.filter { !$0.1.isDuplicate }.map(\.0))
        return results
    }

    /// The arbiter of batches that carry unique keys (a batch without any skips its cost).
    static let skipHeldUniqueKeys = "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING"

    /// Separates tags inside one array element of the batch insert (a control character no tag contains).
    static let tagSeparator = "\u{1F}"
}
