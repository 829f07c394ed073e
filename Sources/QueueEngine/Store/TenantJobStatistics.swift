import Foundation
import Logging
import PostgresNIO

/// What one tenant's jobs look like, for the platform's analytics: read on the caller's connection
/// (inside its snapshot), so the platform composes them with its own tables without naming ours.
public enum TenantJobStatistics {
    /// Jobs right now, and those finished since a recent instant.
    public struct Live: Sendable, Equatable {
        public var ready = 0
        public var scheduled = 0
        public var running = 0
        /// How long the oldest due job has waited; nil when none waits.
        public var oldestReadySeconds: Double?
        public var completedSince = 0
        public var discardedSince = 0

        public init() {}
    }

    /// Finished jobs in one minute.
    public struct Minute: Sendable, Equatable {
        public let start: Date
        public let completed: Int
        public let discarded: Int
    }

    /// An average and the 50th, 90th and 95th percentiles, in seconds.
    public struct Percentiles: Sendable, Equatable {
        public let average: Double
        public let p50: Double
        public let p90: Double
        public let p95: Double

        public init(average: Double, p50: Double, p90: Double, p95: Double) {
            self.average = average
            self.p50 = p50
            self.p90 = p90
            self.p95 = p95
        }

        /// From `avg` and `percentile_cont(ARRAY[0.5, 0.9, 0.95])`; nil when there was nothing to measure.
        public init?(average: Double?, cuts: [Double]?) {
            guard let average, let cuts, cuts.count == 3 else { return nil }
            self.init(average: average, p50: cuts[0], p90: cuts[1], p95: cuts[2])
        }
    }

    /// The jobs of one kind created in a period.
    public struct Kind: Sendable, Equatable {
        public let kind: String
        public let total: Int
        public let completed: Int
        public let discarded: Int
        public let cancelled: Int
        /// Not finished yet (waiting or running).
        public let pending: Int
        public let averageAttempts: Double
        /// Seconds from the (last) claim to completion, over completed jobs.
        public let runSeconds: Percentiles?
        /// Seconds a job waited after it was due before its (last) claim.
        public let waitSeconds: Percentiles?
    }

    public static func live(tenant: String, now: Date, finishedSince since: Date, on connection: PostgresConnection,
                            logger: Logger) async throws -> Live {
        let rows = try await connection.query("""
            SELECT count(*) FILTER (WHERE state = 'available' AND run_at <= \(now))::int,
                   count(*) FILTER (WHERE state = 'available' AND run_at > \(now))::int,
                   count(*) FILTER (WHERE state = 'running')::int,
                   extract(epoch FROM \(now) - min(run_at) FILTER (WHERE state = 'available' AND run_at <= \(now)))::float8,
                   count(*) FILTER (WHERE state = 'completed' AND finished_at >= \(since))::int,
                   count(*) FILTER (WHERE state = 'discarded' AND finished_at >= \(since))::int
            FROM queue_jobs WHERE workspace_id = \(tenant) AND state IN ('available', 'running', 'completed', 'discarded')
            """, logger: logger)
        var live = Live()
        for try await (ready, scheduled, running, oldest, completed, discarded) in rows.decode((Int, Int, Int, Double?, Int, Int).self) {
            live.ready = ready
            live.scheduled = scheduled
            live.running = running
            live.oldestReadySeconds = oldest
            live.completedSince = completed
            live.discardedSince = discarded
        }
        return live
    }

    /// Completed and discarded jobs per minute since `since`, minutes without any left out.
    public static func finishedPerMinute(tenant: String, since: Date, on connection: PostgresConnection,
                                         logger: Logger) async throws -> [Minute] {
        let rows = try await connection.query("""
            SELECT date_trunc('minute', finished_at), count(*) FILTER (WHERE state = 'completed')::int,
                   count(*) FILTER (WHERE state = 'discarded')::int
            FROM queue_jobs WHERE workspace_id = \(tenant) AND finished_at >= \(since) GROUP BY 1
            """, logger: logger)
        var minutes: [Minute] = []
        for try await (start, completed, discarded) in rows.decode((Date, Int, Int).self) {
            minutes.append(Minute(start: start, completed: completed, discarded: discarded))
        }
        return minutes
    }

    /// Jobs created in `start..<end`, by their current state.
    public static func countsByState(tenant: String, createdFrom start: Date, to end: Date, on connection: PostgresConnection,
                                     logger: Logger) async throws -> [String: Int] {
        let rows = try await connection.query("""
            SELECT state::text, count(*)::int FROM queue_jobs
            WHERE workspace_id = \(tenant) AND created_at >= \(start) AND created_at < \(end) GROUP BY 1
            """, logger: logger)
        var counts: [String: Int] = [:]
        for try await (state, count) in rows.decode((String, Int).self) { counts[state] = count }
        return counts
    }

    /// Jobs created in `start..<end` per bucket: `unit` is a `date_trunc` field (hour, day, week,
    /// month) taken in the time zone `zone`; buckets without jobs are left out.
    public static func createdPerBucket(tenant: String, unit: String, zone: String, from start: Date, to end: Date,
                                        on connection: PostgresConnection, logger: Logger) async throws -> [(start: Date, count: Int)] {
        let rows = try await connection.query("""
            SELECT date_trunc(\(unit), created_at, \(zone)), count(*)::int FROM queue_jobs
            WHERE workspace_id = \(tenant) AND created_at >= \(start) AND created_at < \(end) GROUP BY 1
            """, logger: logger)
        var buckets: [(start: Date, count: Int)] = []
        for try await (bucket, count) in rows.decode((Date, Int).self) { buckets.append((bucket, count)) }
        return buckets
    }

    /// Per kind, the jobs created in `start..<end`: outcomes, attempts, run and wait times; the
    /// `limit` kinds with the most jobs.
    public static func byKind(tenant: String, createdFrom start: Date, to end: Date, limit: Int, on connection: PostgresConnection,
                              logger: Logger) async throws -> [Kind] {
        let rows = try await connection.query("""
            SELECT kind, count(*)::int, count(*) FILTER (WHERE state = 'completed')::int,
                   count(*) FILTER (WHERE state = 'discarded')::int, count(*) FILTER (WHERE state = 'cancelled')::int,
                   count(*) FILTER (WHERE state IN ('available', 'running'))::int, avg(attempt)::float8,
                   count(*) FILTER (WHERE state = 'completed' AND attempted_at IS NOT NULL)::int,
                   avg(extract(epoch FROM finished_at - attempted_at)::float8) FILTER (WHERE state = 'completed')::float8,
                   percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - attempted_at)::float8)
                       FILTER (WHERE state = 'completed' AND attempted_at IS NOT NULL),
                   count(attempted_at)::int,
                   avg(greatest(extract(epoch FROM attempted_at - run_at)::float8, 0))::float8,
                   percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY greatest(extract(epoch FROM attempted_at - run_at)::float8, 0))
                       FILTER (WHERE attempted_at IS NOT NULL)
            FROM queue_jobs WHERE workspace_id = \(tenant) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY kind ORDER BY 2 DESC, 1 LIMIT \(limit)
            """, logger: logger)
        var kinds: [Kind] = []
        for try await row in rows.decode((String, Int, Int, Int, Int, Int, Double, Int, Double?, [Double]?, Int, Double?, [Double]?).self) {
            let (kind, total, completed, discarded, cancelled, pending, attempts, ran, averageRun, runs, claimed, averageWait, waits) = row
            kinds.append(Kind(kind: kind, total: total, completed: completed, discarded: discarded, cancelled: cancelled, pending: pending,
                              averageAttempts: attempts,
                              runSeconds: ran > 0 ? Percentiles(average: averageRun, cuts: runs) : nil,
                              waitSeconds: claimed > 0 ? Percentiles(average: averageWait, cuts: waits) : nil))
        }
        return kinds
    }
}
