import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// `GET /api/analytics/realtime`: the workspace right now — live calls, its jobs waiting and
/// running, the last five minutes, a per-minute series of the last hour, and the balance. Every
/// figure is read at `generatedAt` in one statement per table, so a dashboard polling it stays cheap.
public struct RealtimeSnapshot: Sendable {
    public struct LiveCall: Sendable, Equatable {
        public let id: UUID
        public let status: String
        public let direction: String
        public let assistantID: UUID?
        public let createdAt: Date
        public let answeredAt: Date?
    }

    public struct Minute: Sendable, Equatable {
        public let start: Date
        public var callsStarted = 0
        public var jobsCompleted = 0
        public var jobsFailed = 0
    }

    /// The live calls listed one by one; the counts cover all of them.
    public static let liveCallListLimit = 50
    static let liveStatuses = ["dialing", "queued", "initiated", "ringing", "in-progress"]

    public let generatedAt: Date
    public var liveCallsByStatus: [String: Int] = [:]
    public var liveCalls: [LiveCall] = []
    /// The workspace's jobs that could run now, that wait for a later time, and that run.
    public var jobsReady = 0
    public var jobsScheduled = 0
    public var jobsRunning = 0
    public var oldestReadySeconds: Double?
    public var callsStartedLastFiveMinutes = 0
    public var callsEndedLastFiveMinutes = 0
    public var jobsCompletedLastFiveMinutes = 0
    public var jobsFailedLastFiveMinutes = 0
    public var balance: Int64 = 0
    public var lastHour: [Minute]

    public static func load(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> RealtimeSnapshot {
        let workspaceKey = workspaceID.uuidString.lowercased()
        var now = Date()
        for try await time in try await connection.query("SELECT now()", logger: logger).decode(Date.self) { now = time }
        let hourStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let fiveMinutesAgo = now.addingTimeInterval(-300)
        var snapshot = RealtimeSnapshot(generatedAt: now, lastHour: (0..<60).map { Minute(start: hourStart.addingTimeInterval(Double($0) * 60)) })
        let liveStatuses = Self.liveStatuses

        let live = try await connection.query("""
            SELECT status, count(*)::int FROM calls
            WHERE workspace_id = \(workspaceID) AND status = ANY(\(liveStatuses)) GROUP BY 1
            """, logger: logger)
        for try await (status, count) in live.decode((String, Int).self) { snapshot.liveCallsByStatus[status] = count }
        let list = try await connection.query("""
            SELECT id, status, direction, assistant_id, created_at, answered_at FROM calls
            WHERE workspace_id = \(workspaceID) AND status = ANY(\(liveStatuses))
            ORDER BY created_at DESC, id DESC LIMIT \(Self.liveCallListLimit)
            """, logger: logger)
        for try await (id, status, direction, assistant, created, answered) in list.decode((UUID, String, String, UUID?, Date, Date?).self) {
            snapshot.liveCalls.append(LiveCall(id: id, status: status, direction: direction, assistantID: assistant, createdAt: created,
                                               answeredAt: answered))
        }

        let jobs = try await TenantJobStatistics.live(tenant: workspaceKey, now: now, finishedSince: fiveMinutesAgo, on: connection, logger: logger)
        snapshot.jobsReady = jobs.ready
        snapshot.jobsScheduled = jobs.scheduled
        snapshot.jobsRunning = jobs.running
        snapshot.oldestReadySeconds = jobs.oldestReadySeconds
        snapshot.jobsCompletedLastFiveMinutes = jobs.completedSince
        snapshot.jobsFailedLastFiveMinutes = jobs.discardedSince

        let recent = try await connection.query("""
            SELECT (SELECT count(*)::int FROM calls WHERE workspace_id = \(workspaceID) AND created_at >= \(fiveMinutesAgo)),
                   (SELECT count(*)::int FROM calls WHERE workspace_id = \(workspaceID) AND ended_at >= \(fiveMinutesAgo)),
                   coalesce((SELECT balance FROM workspace_credits WHERE workspace_id = \(workspaceID)), 0)::bigint
            """, logger: logger)
        for try await (started, ended, balance) in recent.decode((Int, Int, Int64).self) {
            snapshot.callsStartedLastFiveMinutes = started
            snapshot.callsEndedLastFiveMinutes = ended
            snapshot.balance = balance
        }

        let callMinutes = try await connection.query("""
            SELECT date_trunc('minute', created_at), count(*)::int FROM calls
            WHERE workspace_id = \(workspaceID) AND created_at >= \(hourStart) GROUP BY 1
            """, logger: logger)
        for try await (minute, count) in callMinutes.decode((Date, Int).self) {
            if let index = snapshot.minuteIndex(minute) { snapshot.lastHour[index].callsStarted += count }
        }
        for minute in try await TenantJobStatistics.finishedPerMinute(tenant: workspaceKey, since: hourStart, on: connection, logger: logger) {
            guard let index = snapshot.minuteIndex(minute.start) else { continue }
            snapshot.lastHour[index].jobsCompleted += minute.completed
            snapshot.lastHour[index].jobsFailed += minute.discarded
        }
        return snapshot
    }

    private func minuteIndex(_ minute: Date) -> Int? {
        guard let first = lastHour.first?.start else { return nil }
        let index = Int((minute.timeIntervalSince(first) / 60).rounded(.down))
        return lastHour.indices.contains(index) ? index : nil
    }
}
