import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// `GET /api/analytics/performance`: how well calls and jobs went in a period — answer and
/// completion rates, duration and time-to-answer percentiles, the commonest failure reasons, each
/// assistant's calls, and per job kind the success rate, run time, wait before a claim and attempts.
public struct PerformanceReport: Sendable {
    public typealias Percentiles = TenantJobStatistics.Percentiles

    public struct Calls: Sendable, Equatable {
        public var total = 0
        public var answered = 0
        public var completed = 0
        /// Calls that ended without a conversation: busy, no answer, failed, cancelled, never placed.
        public var unsuccessful = 0
        /// Seconds of completed calls.
        public var duration: Percentiles?
        /// Seconds from the call's creation to its answer.
        public var timeToAnswer: Percentiles?
        public var failureReasons: [FailureReason] = []
    }

    public struct FailureReason: Sendable, Equatable {
        /// The call's recorded reason (a provider's error, a credit shortfall), else its status.
        public let reason: String
        public let count: Int
    }

    public struct Assistant: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let calls: Int
        public let answered: Int
        public let completed: Int
        public let averageSeconds: Double?
        /// How its conversations went; nil when none of its calls conversed.
        public var conversations: Conversations?
    }

    /// An assistant's conversations: turns, how long a turn took to answer, tool calls, and why turns failed.
    public struct Conversations: Sendable, Equatable {
        public var conversations = 0
        public var turns = 0
        public var failedTurns = 0
        public var toolCalls = 0
        /// Milliseconds from a turn's request to its reply.
        public var latency: Percentiles?
        public var failureReasons: [FailureReason] = []
    }

    public typealias Kind = TenantJobStatistics.Kind

    public static let unsuccessfulStatuses = ["busy", "no-answer", "failed", "canceled", "rejected"]
    static let failureReasonLimit = 5
    static let assistantLimit = 20
    static let kindLimit = 50

    public let period: AnalyticsPeriod
    public var calls = Calls()
    public var assistants: [Assistant] = []
    public var kinds: [Kind] = []

    public static func load(workspaceID: UUID, period: AnalyticsPeriod, on connection: PostgresConnection,
                            logger: Logger) async throws -> PerformanceReport {
        let (start, end) = (period.start, period.end)
        let unsuccessful = Self.unsuccessfulStatuses
        var report = PerformanceReport(period: period)

        let calls = try await connection.query("""
            SELECT count(*)::int, count(answered_at)::int, count(*) FILTER (WHERE status = 'completed')::int,
                   count(*) FILTER (WHERE status = ANY(\(unsuccessful)))::int,
                   count(duration_seconds) FILTER (WHERE status = 'completed')::int,
                   avg(duration_seconds) FILTER (WHERE status = 'completed')::float8,
                   percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY duration_seconds::float8)
                       FILTER (WHERE status = 'completed' AND duration_seconds IS NOT NULL),
                   avg(extract(epoch FROM answered_at - created_at)::float8)::float8,
                   percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - created_at)::float8)
                       FILTER (WHERE answered_at IS NOT NULL)
            FROM calls WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end)
            """, logger: logger)
        for try await (total, answered, completed, failed, timed, averageDuration, durations, averageAnswer, answers)
            in calls.decode((Int, Int, Int, Int, Int, Double?, [Double]?, Double?, [Double]?).self) {
            report.calls.total = total
            report.calls.answered = answered
            report.calls.completed = completed
            report.calls.unsuccessful = failed
            if timed > 0 { report.calls.duration = Percentiles(average: averageDuration, cuts: durations) }
            if answered > 0 { report.calls.timeToAnswer = Percentiles(average: averageAnswer, cuts: answers) }
        }

        let reasons = try await connection.query("""
            SELECT coalesce(status_reason, status), count(*)::int FROM calls
            WHERE workspace_id = \(workspaceID) AND created_at >= \(start) AND created_at < \(end) AND status = ANY(\(unsuccessful))
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT \(Self.failureReasonLimit)
            """, logger: logger)
        for try await (reason, count) in reasons.decode((String, Int).self) {
            report.calls.failureReasons.append(FailureReason(reason: reason, count: count))
        }

        let assistants = try await connection.query("""
            SELECT c.assistant_id, coalesce(a.name, 'deleted assistant'), count(*)::int, count(c.answered_at)::int,
                   count(*) FILTER (WHERE c.status = 'completed')::int,
                   avg(c.duration_seconds) FILTER (WHERE c.status = 'completed')::float8
            FROM calls c LEFT JOIN assistants a ON a.id = c.assistant_id
            WHERE c.workspace_id = \(workspaceID) AND c.created_at >= \(start) AND c.created_at < \(end) AND c.assistant_id IS NOT NULL
            GROUP BY c.assistant_id, a.name ORDER BY 3 DESC, 2 LIMIT \(Self.assistantLimit)
            """, logger: logger)
        for try await (id, name, total, answered, completed, average) in assistants.decode((UUID, String, Int, Int, Int, Double?).self) {
            report.assistants.append(Assistant(id: id, name: name, calls: total, answered: answered, completed: completed, averageSeconds: average))
        }

        try await loadConversations(into: &report, workspaceID: workspaceID, on: connection, logger: logger)
        report.kinds = try await TenantJobStatistics.byKind(tenant: workspaceID.uuidString.lowercased(), createdFrom: start, to: end,
                                                            limit: Self.kindLimit, on: connection, logger: logger)
        return report
    }

    /// Attaches each listed assistant's conversation figures (turns of conversations started in the period).
    static func loadConversations(into report: inout PerformanceReport, workspaceID: UUID, on connection: PostgresConnection,
                                  logger: Logger) async throws {
        let (start, end) = (report.period.start, report.period.end)
        var figures: [UUID: Conversations] = [:]
        let turns = try await connection.query("""
            SELECT c.assistant_id, count(DISTINCT c.id)::int, count(t.id)::int, count(t.id) FILTER (WHERE t.outcome = 'failed')::int,
                   coalesce(sum(jsonb_array_length(t.tool_calls)), 0)::int,
                   avg(t.latency_ms) FILTER (WHERE t.outcome IN ('ok', 'failed'))::float8,
                   percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY t.latency_ms::float8)
                       FILTER (WHERE t.outcome IN ('ok', 'failed') AND t.latency_ms IS NOT NULL)
            FROM conversations c LEFT JOIN conversation_turns t ON t.conversation_id = c.id
            WHERE c.workspace_id = \(workspaceID) AND c.created_at >= \(start) AND c.created_at < \(end) AND c.assistant_id IS NOT NULL
            GROUP BY c.assistant_id
            """, logger: logger)
        for try await (id, conversations, total, failed, tools, average, cuts) in turns.decode((UUID, Int, Int, Int, Int, Double?, [Double]?).self) {
            figures[id] = Conversations(conversations: conversations, turns: total, failedTurns: failed, toolCalls: tools,
                                        latency: Percentiles(average: average, cuts: cuts))
        }
        let reasons = try await connection.query("""
            SELECT c.assistant_id, split_part(t.failure_reason, ':', 1), count(*)::int
            FROM conversations c JOIN conversation_turns t ON t.conversation_id = c.id
            WHERE c.workspace_id = \(workspaceID) AND c.created_at >= \(start) AND c.created_at < \(end) AND t.outcome = 'failed'
              AND c.assistant_id IS NOT NULL
            GROUP BY 1, 2 ORDER BY 3 DESC, 2
            """, logger: logger)
        for try await (id, reason, count) in reasons.decode((UUID, String, Int).self)
            where (figures[id]?.failureReasons.count ?? 0) < failureReasonLimit {
            figures[id]?.failureReasons.append(FailureReason(reason: reason, count: count))
        }
        for index in report.assistants.indices { report.assistants[index].conversations = figures[report.assistants[index].id] }
    }
}
