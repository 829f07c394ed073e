import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// `GET /api/analytics/summary`: what a workspace did in a period — calls by status and direction,
/// minutes, jobs by state, credits in and out, emails, files, transcription — and a series per
/// bucket for charts. Computed in SQL from the rows themselves, never from counters kept aside.
public struct WorkspaceSummary: Sendable {
    public struct Calls: Sendable, Equatable {
        public var total = 0
        public var outbound = 0
        public var inbound = 0
        /// Calls someone picked up (the provider reported them answered).
        public var answered = 0
        public var seconds: Int64 = 0
        /// Millicredits charged for the calls.
        public var cost: Int64 = 0
        public var byStatus: [String: Int] = [:]
    }

    public struct Point: Sendable, Equatable {
        public let start: Date
        public var calls = 0
        public var answered = 0
        public var seconds: Int64 = 0
        public var jobs = 0
        /// Millicredits spent (usage entries, as a positive amount).
        public var creditsUsed: Int64 = 0
    }

    public let period: AnalyticsPeriod
    public var calls = Calls()
    /// Jobs created in the period, by their current state (until finished ones are pruned).
    public var jobsByState: [String: Int] = [:]
    /// Ledger sums in millicredits by entry kind (grant, usage, refund, adjustment); usage is negative.
    public var ledger: [String: Int64] = [:]
    public var balance: Int64 = 0
    public var emailsSent = 0
    public var filesUploaded = 0
    public var filesFailed = 0
    public var transcribedSeconds = 0.0
    public var series: [Point]

    public static func load(workspaceID: UUID, period: AnalyticsPeriod, on connection: PostgresConnection,
                            logger: Logger) async throws -> WorkspaceSummary {
        let (start, end) = (period.start, period.end)
        let workspaceKey = workspaceID.uuidString.lowercased()
        let starts = period.bucketStarts
        var summary = WorkspaceSummary(period: period, series: starts.map { Point(start: $0) })

        let calls = try await connection.query("""
            SELECT status, direction, count(*)::int, count(answered_at)::int,
                   coalesce(sum(duration_seconds), 0)::bigint, coalesce(sum(cost), 0)::bigint
            FROM calls WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY status, direction
            """, logger: logger)
        for try await (status, direction, count, answered, seconds, cost) in calls.decode((String, String, Int, Int, Int64, Int64).self) {
            summary.calls.total += count
            if direction == "outbound" { summary.calls.outbound += count } else { summary.calls.inbound += count }
            summary.calls.answered += answered
            summary.calls.seconds += seconds
            summary.calls.cost += cost
            summary.calls.byStatus[status, default: 0] += count
        }

        summary.jobsByState = try await TenantJobStatistics.countsByState(tenant: workspaceKey, createdFrom: start, to: end,
                                                                          on: connection, logger: logger)

        let ledger = try await connection.query("""
            SELECT kind, sum(amount)::bigint FROM credit_ledger
            WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end) GROUP BY kind
            """, logger: logger)
        for try await (kind, amount) in ledger.decode((String, Int64).self) { summary.ledger[kind] = amount }

        let others = try await connection.query("""
            SELECT coalesce((SELECT balance FROM workspace_credits WHERE workspace_id = \(workspaceID)), 0)::bigint,
                   (SELECT count(*)::int FROM email_campaign_recipients r JOIN email_campaigns m ON m.id = r.campaign_id
                    WHERE m.workspace_id = \(workspaceID) AND r.state = 'sent' AND r.updated_at >= \(start) AND r.updated_at < \(end)),
                   (SELECT count(*)::int FROM files WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)),
                   (SELECT count(*)::int FROM files WHERE workspace_id = \(workspaceID) AND status = 'failed'
                    AND created_at >= \(start) AND created_at < \(end)),
                   (SELECT coalesce(sum(transcript_seconds), 0)::float8 FROM calls
                    WHERE workspace_id = \(workspaceID) AND transcribed_at >= \(start) AND transcribed_at < \(end))
            """, logger: logger)
        for try await (balance, emails, files, failed, transcribed) in others.decode((Int64, Int, Int, Int, Double).self) {
            summary.balance = balance
            summary.emailsSent = emails
            summary.filesUploaded = files
            summary.filesFailed = failed
            summary.transcribedSeconds = transcribed
        }

        let unit = period.interval.rawValue, zone = period.zoneName
        let callSeries = try await connection.query("""
            SELECT date_trunc(\(unit), created_at, \(zone)), count(*)::int, count(answered_at)::int,
                   coalesce(sum(duration_seconds), 0)::bigint
            FROM calls WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end) GROUP BY 1
            """, logger: logger)
        for try await (bucket, count, answered, seconds) in callSeries.decode((Date, Int, Int, Int64).self) {
            guard let index = period.bucketIndex(of: bucket, in: starts) else { continue }
            summary.series[index].calls += count
            summary.series[index].answered += answered
            summary.series[index].seconds += seconds
        }
        for (bucket, count) in try await TenantJobStatistics.createdPerBucket(tenant: workspaceKey, unit: unit, zone: zone, from: start, to: end,
                                                                              on: connection, logger: logger) {
            guard let index = period.bucketIndex(of: bucket, in: starts) else { continue }
            summary.series[index].jobs += count
        }
        let usageSeries = try await connection.query("""
            SELECT date_trunc(\(unit), created_at, \(zone)), (-sum(amount))::bigint FROM credit_ledger
            WHERE workspace_id = \(workspaceID) AND kind = 'usage' AND created_at >= \(start) AND created_at < \(end) GROUP BY 1
            """, logger: logger)
        for try await (bucket, used) in usageSeries.decode((Date, Int64).self) {
            guard let index = period.bucketIndex(of: bucket, in: starts) else { continue }
            summary.series[index].creditsUsed += used
        }
        return summary
    }
}
