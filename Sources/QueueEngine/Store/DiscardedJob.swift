import Foundation
import Logging
import PostgresNIO

/// A job that used up its attempts (or was discarded by its handler), as the platform reports it
/// to the tenant: read in order of finishing from a mark the reader keeps, so each is seen once.
public struct DiscardedJob: Sendable, Equatable {
    /// Where a reader stands: the last job it saw, by finishing time and then id.
    public struct Mark: Sendable, Equatable {
        public var finishedAt: Date
        public var id: Int64

        public init(finishedAt: Date, id: Int64) {
            self.finishedAt = finishedAt
            self.id = id
        }

        public static let start = Mark(finishedAt: .distantPast, id: 0)
    }

    public let id: Int64
    public let kind: String
    public let queue: String
    public let tenant: String?
    public let attempt: Int
    /// The last attempt's error, empty when there was none.
    public let lastError: String
    public let finishedAt: Date

    public var mark: Mark { Mark(finishedAt: finishedAt, id: id) }

    /// Up to `limit` jobs discarded after `mark` and at least `settle` seconds ago (a job finishing
    /// in a transaction still open would otherwise be passed over by a later one that committed first).
    public static func after(_ mark: Mark, settledFor settle: Double, limit: Int, on connection: PostgresConnection,
                             logger: Logger) async throws -> [DiscardedJob] {
        let rows = try await connection.query("""
            SELECT id, kind, queue, workspace_id, attempt, coalesce(errors -> -1 ->> 'error', ''), finished_at FROM queue_jobs
            WHERE state = 'discarded' AND finished_at IS NOT NULL AND (finished_at, id) > (\(mark.finishedAt), \(mark.id))
              AND finished_at <= now() - make_interval(secs => \(settle))
            ORDER BY finished_at, id LIMIT \(limit)
            """, logger: logger)
        var jobs: [DiscardedJob] = []
        for try await (id, kind, queue, tenant, attempt, error, finished) in rows.decode((Int64, String, String, String?, Int, String, Date).self) {
            jobs.append(DiscardedJob(id: id, kind: kind, queue: queue, tenant: tenant, attempt: attempt, lastError: error, finishedAt: finished))
        }
        return jobs
    }
}
