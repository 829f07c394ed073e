import Foundation
import Logging
import PostgresNIO

/// `GET /api/tools/{id}/usage`: a tool's calls over a period from `tool_calls` — how many, how
/// they ended, latency (average, p50, p95) of the calls that got an answer, answer sizes, and a
/// series per bucket.
public struct ToolUsage: Sendable {
    public struct Point: Sendable, Equatable {
        public let start: Date
        public var calls = 0
        public var failures = 0
        public var averageLatencyMS: Double?
    }

    public let period: AnalyticsPeriod
    public var calls = 0
    public var byOutcome: [String: Int] = [:]
    public var bySource: [String: Int] = [:]
    public var averageLatencyMS: Double?
    public var p50LatencyMS: Double?
    public var p95LatencyMS: Double?
    public var averageBytes: Double?
    public var lastCalledAt: Date?
    public var series: [Point]

    public static func load(toolID: UUID, workspaceID: UUID, period: AnalyticsPeriod, on connection: PostgresConnection,
                            logger: Logger) async throws -> ToolUsage {
        let (start, end) = (period.start, period.end)
        let starts = period.bucketStarts
        var usage = ToolUsage(period: period, series: starts.map { Point(start: $0) })
        let outcomes = try await connection.query("""
            SELECT outcome, source, count(*)::int FROM tool_calls
            WHERE tool_id = \(toolID) AND workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY 1, 2
            """, logger: logger)
        for try await (outcome, source, count) in outcomes.decode((String, String, Int).self) {
            usage.calls += count
            usage.byOutcome[outcome, default: 0] += count
            usage.bySource[source, default: 0] += count
        }
        let latency = try await connection.query("""
            SELECT avg(latency_ms)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms), avg(response_bytes)::float8, max(created_at)
            FROM tool_calls
            WHERE tool_id = \(toolID) AND workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
              AND status_code IS NOT NULL
            """, logger: logger)
        for try await (average, p50, p95, bytes, last) in latency.decode((Double?, Double?, Double?, Double?, Date?).self) {
            (usage.averageLatencyMS, usage.p50LatencyMS, usage.p95LatencyMS, usage.averageBytes) = (average, p50, p95, bytes)
            usage.lastCalledAt = last
        }
        let unit = period.interval.rawValue, zone = period.zoneName
        let buckets = try await connection.query("""
            SELECT date_trunc(\(unit), created_at, \(zone)), count(*)::int, count(*) FILTER (WHERE outcome <> 'ok')::int,
                   avg(latency_ms) FILTER (WHERE status_code IS NOT NULL)::float8
            FROM tool_calls
            WHERE tool_id = \(toolID) AND workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            GROUP BY 1
            """, logger: logger)
        for try await (bucket, count, failures, average) in buckets.decode((Date, Int, Int, Double?).self) {
            guard let index = period.bucketIndex(of: bucket, in: starts) else { continue }
            usage.series[index].calls += count
            usage.series[index].failures += failures
            usage.series[index].averageLatencyMS = average
        }
        return usage
    }
}
