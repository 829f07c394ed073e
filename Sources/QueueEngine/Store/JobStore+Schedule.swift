import Foundation
import PostgresNIO

extension JobStore {
    /// Locks an entry's schedule row (creating it, covered up to `now`, on first sight) and returns
    /// the instant up to which its ticks were handled. Concurrent schedulers queue up here, so the
    /// second one sees the first one's ticks as covered.
    static func lockSchedule(name: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Date {
        try await connection.query("""
            INSERT INTO queue_schedule (name, covered_until) VALUES (\(name), \(now))
            ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("""
            SELECT covered_until FROM queue_schedule WHERE name = \(name) FOR UPDATE
            """, logger: logger)
        for try await covered in rows.decode(Date.self) { return covered }
        throw QueueError(.invalidState, "the schedule row of \(name) vanished")
    }

    /// Moves an entry's mark to `coveredUntil`, remembering its latest enqueued tick and job.
    static func recordSchedule(name: String, coveredUntil: Date, lastTick: Date?, lastJobID: Int64?,
                               on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE queue_schedule
            SET covered_until = GREATEST(covered_until, \(coveredUntil)),
                last_tick = COALESCE(\(lastTick), last_tick),
                last_job_id = COALESCE(\(lastJobID), last_job_id),
                updated_at = now()
            WHERE name = \(name)
            """, logger: logger)
    }

    /// Every entry the schedulers have seen, with the state of its latest job (API, dashboard, CLI).
    public func schedules() async throws -> [ScheduleRecord] {
        return try await onConnection { [logger] connection in
            let rows = try await connection.query("""
                SELECT s.name, s.covered_until, s.last_tick, s.last_job_id, j.state::text
                FROM queue_schedule s LEFT JOIN queue_jobs j ON j.id = s.last_job_id
                ORDER BY s.name
                """, logger: logger)
            var records: [ScheduleRecord] = []
            for try await (name, covered, tick, jobID, state) in rows.decode((String, Date, Date?, Int64?, String?).self) {
                records.append(ScheduleRecord(name: name, coveredUntil: covered, lastTick: tick, lastJobID: jobID,
                                              lastJobState: state.flatMap(JobState.init(rawValue:))))
            }
            return records
        }
    }
}
