import Foundation
import PostgresNIO

/// One minute of finished jobs: how many ended in each final state and how long completed ones
/// took (started to finished) and waited (due to started).
public struct ActivityMinute: Sendable, Codable, Equatable {
    public let minute: Date
    public let completed: Int
    public let discarded: Int
    public let cancelled: Int
    public let averageDurationSeconds: Double
    public let averageWaitSeconds: Double
}

extension JobStore {
    /// Finished jobs per minute over the last `window`, oldest first, from the finished-jobs index
    /// (the one the pruner uses); optionally one workspace's only.
    public func activity(over window: Duration, workspaceID: String? = nil) async throws -> [ActivityMinute] {
        let seconds = Double(window.components.seconds)
        let rows = try await client.query("""
            SELECT date_trunc('minute', finished_at),
                   count(*) FILTER (WHERE state = 'completed')::int,
                   count(*) FILTER (WHERE state = 'discarded')::int,
                   count(*) FILTER (WHERE state = 'cancelled')::int,
                   COALESCE(avg(EXTRACT(EPOCH FROM finished_at - attempted_at)) FILTER (WHERE state = 'completed'), 0)::float8,
                   COALESCE(avg(EXTRACT(EPOCH FROM attempted_at - run_at)) FILTER (WHERE state = 'completed'), 0)::float8
            FROM queue_jobs
            WHERE state IN ('completed', 'discarded', 'cancelled') AND finished_at > now() - make_interval(secs => \(seconds))
              AND (\(workspaceID)::text IS NULL OR workspace_id = \(workspaceID))
            GROUP BY 1 ORDER BY 1
            """, logger: logger)
        var minutes: [ActivityMinute] = []
        for try await (minute, completed, discarded, cancelled, duration, wait) in rows.decode((Date, Int, Int, Int, Double, Double).self) {
            minutes.append(ActivityMinute(minute: minute, completed: completed, discarded: discarded, cancelled: cancelled,
                                          averageDurationSeconds: duration, averageWaitSeconds: max(0, wait)))
        }
        return minutes
    }
}

extension JobStore {
    /// How many jobs of a workspace are in each state (finished ones until they are pruned).
    public func counts(workspaceID: String) async throws -> [JobState: Int] {
        let rows = try await client.query("""
            SELECT state::text, count(*)::int FROM queue_jobs WHERE workspace_id = \(workspaceID) GROUP BY 1
            """, logger: logger)
        var counts: [JobState: Int] = [:]
        for try await (state, count) in rows.decode((String, Int).self) {
            if let state = JobState(rawValue: state) { counts[state] = count }
        }
        return counts
    }
}
