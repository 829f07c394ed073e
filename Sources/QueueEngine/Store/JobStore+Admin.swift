import Foundation
import PostgresNIO

extension JobStore {
    /// Cancels a job: a queued one at once, a running one by flagging it (its worker stops it within a
    /// heartbeat interval, or sooner through the wake-up channel). Returns the job's state afterwards
    /// and its queue. `workspaceID`, when given, scopes the lookup.
    public func cancel(id: Int64, workspaceID: String? = nil) async throws -> (state: JobState, queue: String) {
        let rows = try await client.query("""
            UPDATE queue_jobs
            SET state = (CASE WHEN state = 'available' THEN 'cancelled' ELSE state END)::queue_job_state,
                finished_at = CASE WHEN state = 'available' THEN now() ELSE finished_at END,
                cancel_requested_at = now()
            WHERE id = \(id) AND state IN ('available', 'running')
              AND (\(workspaceID)::text IS NULL OR workspace_id = \(workspaceID))
            RETURNING state::text, queue
            """, logger: logger)
        for try await (state, queue) in rows.decode((String, String).self) {
            return (JobState(rawValue: state) ?? .cancelled, queue)
        }
        let existing = try await job(id: id, workspaceID: workspaceID)
        throw QueueError(.invalidState, "job \(id) is \(existing.state.rawValue) and cannot be cancelled")
    }

    /// Makes a discarded or cancelled job available again now, with at least one attempt left.
    @discardableResult
    public func retry(id: Int64, workspaceID: String? = nil) async throws -> String {
        do {
            let rows = try await client.query("""
                UPDATE queue_jobs
                SET state = 'available', run_at = now(), finished_at = NULL, cancel_requested_at = NULL,
                    lease_expires_at = NULL, max_attempts = GREATEST(max_attempts, attempt + 1)
                WHERE id = \(id) AND state IN ('discarded', 'cancelled')
                  AND (\(workspaceID)::text IS NULL OR workspace_id = \(workspaceID))
                RETURNING queue
                """, logger: logger)
            for try await queue in rows.decode(String.self) { return queue }
        } catch let error as PSQLError where error.isUniqueViolation {
            throw QueueError(.uniqueConflict, "job \(id) cannot be retried: another job with its unique key is queued or running")
        }
        let existing = try await job(id: id, workspaceID: workspaceID)
        throw QueueError(.invalidState, "job \(id) is \(existing.state.rawValue); only discarded or cancelled jobs can be retried")
    }

    /// Runs again every discarded job of `kind` (of one workspace when given) that can be: one
    /// whose unique key another job holds now stays discarded. Answers the queues it touched.
    public func retryDiscarded(kind: String, workspaceID: String? = nil) async throws -> (count: Int, queues: Set<String>) {
        let outcome = try await retryMatching(JobFilter(state: .discarded, kind: kind, workspaceID: workspaceID), limit: .max)
        return (outcome.count, outcome.queues)
    }

    /// Deletes a finished job (completed, discarded or cancelled); a queued or running one must be
    /// cancelled first.
    public func delete(id: Int64, workspaceID: String? = nil) async throws {
        let rows = try await client.query("""
            DELETE FROM queue_jobs
            WHERE id = \(id) AND state IN ('completed', 'discarded', 'cancelled')
              AND (\(workspaceID)::text IS NULL OR workspace_id = \(workspaceID))
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(Int64.self) { return }
        let existing = try await job(id: id, workspaceID: workspaceID)
        throw QueueError(.invalidState, "job \(id) is \(existing.state.rawValue); only finished jobs can be deleted (cancel it first)")
    }

    /// One job, or `jobNotFound` (also for a job of another workspace when `workspaceID` is given).
    public func job(id: Int64, workspaceID: String? = nil) async throws -> JobRecord {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.recordColumns) FROM queue_jobs
            WHERE id = \(id) AND (\(workspaceID)::text IS NULL OR workspace_id = \(workspaceID))
            """, logger: logger)
        guard let record = try await Self.decodeRecords(rows).first else {
            throw QueueError(.jobNotFound, "job \(id) does not exist")
        }
        return record
    }

    /// Jobs matching `filter`, newest first.
    public func list(_ filter: JobFilter) async throws -> [JobRecord] {
        try await Self.decodeRecords(try await client.query(Self.matching(filter, columns: Self.recordColumns), logger: logger))
    }

    /// The ids of the jobs matching `filter`, newest first: what a bulk action pages through, without
    /// reading the rows' arguments, errors and results.
    func ids(matching filter: JobFilter) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await client.query(Self.matching(filter, columns: "id"), logger: logger).decode(Int64.self) { ids.append(id) }
        return ids
    }

    /// The job browser's one query: `columns` of the jobs `filter` matches, newest first.
    static func matching(_ filter: JobFilter, columns: String) -> PostgresQuery {
        let limit = min(max(filter.limit, 1), 1000)
        let state = filter.state?.rawValue
        // The search text is matched literally: LIKE's own wildcards in it are escaped.
        let search = filter.search.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%" }
        return """
            SELECT \(unescaped: columns) FROM queue_jobs
            WHERE (\(filter.queue)::text IS NULL OR queue = \(filter.queue))
              AND (\(state)::text IS NULL OR state = \(state)::queue_job_state)
              AND (\(filter.kind)::text IS NULL OR kind = \(filter.kind))
              AND (\(filter.workspaceID)::text IS NULL OR workspace_id = \(filter.workspaceID))
              AND (\(filter.beforeID)::bigint IS NULL OR id < \(filter.beforeID))
              AND (\(search)::text IS NULL OR id::text = \(filter.search) OR kind ILIKE \(search) OR args::text ILIKE \(search))
            ORDER BY id DESC
            LIMIT \(limit)
            """
    }

    /// Depth per queue (ready, scheduled, running), the age of the oldest ready job, and whether the
    /// queue is paused, from the `queue_stats` view — which reads only the partial indexes' rows,
    /// never finished jobs, and which the worker scaler reads too.
    public func stats() async throws -> [QueueStats] {
        let rows = try await client.query("""
            SELECT queue, ready::int, scheduled::int, running::int, oldest_ready_age_seconds, paused, runnable::int,
                   oldest_runnable_age_seconds
            FROM queue_stats ORDER BY queue
            """, logger: logger)
        var stats: [QueueStats] = []
        for try await (queue, ready, scheduled, running, age, paused, runnable, runnableAge)
            in rows.decode((String, Int, Int, Int, Double, Bool, Int, Double).self) {
            stats.append(QueueStats(queue: queue, ready: ready, scheduled: scheduled, running: running,
                                    oldestReadyAgeSeconds: age, paused: paused, runnable: runnable, oldestRunnableAgeSeconds: runnableAge))
        }
        return stats
    }

    /// Completions of kinds that delete their rows at completion (`JobDefaults.deleteWhenCompleted`),
    /// per queue and kind, since the table was created.
    public func deletedCompletions() async throws -> [DeletedCompletions] {
        let rows = try await client.query("""
            SELECT queue, kind, sum(completed)::bigint FROM queue_deleted_completions GROUP BY queue, kind ORDER BY queue, kind
            """, logger: logger)
        var counts: [DeletedCompletions] = []
        for try await (queue, kind, completed) in rows.decode((String, String, Int64).self) {
            counts.append(DeletedCompletions(queue: queue, kind: kind, completed: completed))
        }
        return counts
    }

    /// Connections to this database by state, from `pg_stat_activity` (this and every other process).
    public func connectionsByState() async throws -> [String: Int] {
        let rows = try await client.query("""
            SELECT COALESCE(state, 'unknown'), count(*)::int FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1
            """, logger: logger)
        var counts: [String: Int] = [:]
        for try await (state, count) in rows.decode((String, Int).self) { counts[state] = count }
        return counts
    }

    /// The queues one group of workers serves, for its autoscaler.
    public enum ScaledQueues: Sendable, Equatable {
        case all
        case only([String])
        case allBut([String])

        var condition: String {
            func list(_ queues: [String]) -> String { queues.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ") }
            switch self {
            case .all: return ""
            case .only(let queues): return " AND queue IN (\(list(queues)))"
            case .allBut(let queues): return " AND queue NOT IN (\(list(queues)))"
            }
        }
    }

    /// What an autoscaler reads to size a group of workers (deploy/kubernetes/overlays/keda): the jobs
    /// of its queues that could start now (not those their concurrency key holds back) or are running,
    /// in queues that are not paused…
    public static func scalerBacklogQuery(_ queues: ScaledQueues = .all) -> String {
        "SELECT COALESCE(sum(runnable + running), 0)::bigint FROM queue_stats WHERE NOT paused\(queues.condition)"
    }

    /// …and how long the oldest of those that could start has waited, in whole seconds.
    public static func scalerAgeQuery(_ queues: ScaledQueues = .all) -> String {
        "SELECT COALESCE(ceil(max(oldest_runnable_age_seconds)), 0)::bigint FROM queue_stats WHERE NOT paused\(queues.condition)"
    }

    /// Workers stop claiming from a paused queue; running jobs finish normally.
    public func pause(queue: String) async throws {
        try await client.query("INSERT INTO queue_paused (queue) VALUES (\(queue)) ON CONFLICT DO NOTHING", logger: logger)
    }

    public func resume(queue: String) async throws {
        try await client.query("DELETE FROM queue_paused WHERE queue = \(queue)", logger: logger)
    }
}
