import Foundation
import Logging
import PostgresNIO

/// A workspace's usage over a period: calls and their minutes, transcribed minutes, campaign
/// emails sent, credits used, and the assistants with the most calls.
public struct UsageSummary: Sendable, Codable, Equatable {
    public struct Assistant: Sendable, Codable, Equatable {
        public let name: String
        public let calls: Int
        public let seconds: Int
    }

    public let workspaceID: UUID
    public let workspaceName: String
    public let calls: Int
    public let callSeconds: Int
    public let transcribedSeconds: Double
    public let emails: Int
    public let creditsUsed: Int64
    public let balance: Int64
    public let topAssistants: [Assistant]

    public var isEmpty: Bool { calls == 0 && emails == 0 && creditsUsed == 0 }

    /// The summaries of every workspace in `[start, end)`, or of one.
    public static func collect(from start: Date, to end: Date, workspaceID: UUID? = nil, on connection: PostgresConnection,
                               logger: Logger) async throws -> [UsageSummary] {
        let rows = try await connection.query("""
            SELECT w.id, w.name,
                   (SELECT count(*)::int FROM calls c WHERE c.workspace_id = w.id AND c.created_at >= \(start) AND c.created_at < \(end)),
                   (SELECT coalesce(sum(c.duration_seconds), 0)::int FROM calls c
                    WHERE c.workspace_id = w.id AND c.created_at >= \(start) AND c.created_at < \(end)),
                   (SELECT coalesce(sum(c.transcript_seconds), 0)::float8 FROM calls c
                    WHERE c.workspace_id = w.id AND c.transcribed_at >= \(start) AND c.transcribed_at < \(end)),
                   (SELECT count(*)::int FROM email_campaign_recipients r JOIN email_campaigns m ON m.id = r.campaign_id
                    WHERE m.workspace_id = w.id AND r.state = 'sent' AND r.updated_at >= \(start) AND r.updated_at < \(end)),
                   (SELECT coalesce(-sum(l.amount), 0)::bigint FROM credit_ledger l
                    WHERE l.workspace_id = w.id AND l.kind = 'usage' AND l.created_at >= \(start) AND l.created_at < \(end)),
                   coalesce((SELECT balance FROM workspace_credits k WHERE k.workspace_id = w.id), 0)
            FROM workspaces w
            WHERE (\(workspaceID)::uuid IS NULL OR w.id = \(workspaceID))
            ORDER BY w.id
            """, logger: logger)
        var summaries: [UsageSummary] = []
        for try await (id, name, calls, seconds, transcribed, emails, used, balance)
            in rows.decode((UUID, String, Int, Int, Double, Int, Int64, Int64).self) {
            summaries.append(UsageSummary(workspaceID: id, workspaceName: name, calls: calls, callSeconds: seconds,
                                          transcribedSeconds: transcribed, emails: emails, creditsUsed: used, balance: balance, topAssistants: []))
        }
        var withAssistants: [UsageSummary] = []
        for summary in summaries {
            guard summary.calls > 0 else {
                withAssistants.append(summary)
                continue
            }
            let top = try await connection.query("""
                SELECT coalesce(a.name, 'deleted assistant'), count(*)::int, coalesce(sum(c.duration_seconds), 0)::int
                FROM calls c LEFT JOIN assistants a ON a.id = c.assistant_id
                WHERE c.workspace_id = \(summary.workspaceID) AND c.assistant_id IS NOT NULL AND c.created_at >= \(start) AND c.created_at < \(end)
                GROUP BY a.name ORDER BY count(*) DESC, a.name LIMIT 5
                """, logger: logger)
            var assistants: [Assistant] = []
            for try await (name, calls, seconds) in top.decode((String, Int, Int).self) {
                assistants.append(Assistant(name: name, calls: calls, seconds: seconds))
            }
            withAssistants.append(UsageSummary(workspaceID: summary.workspaceID, workspaceName: summary.workspaceName, calls: summary.calls,
                                               callSeconds: summary.callSeconds, transcribedSeconds: summary.transcribedSeconds,
                                               emails: summary.emails, creditsUsed: summary.creditsUsed, balance: summary.balance,
                                               topAssistants: assistants))
        }
        return withAssistants
    }

    /// Records the report as sent; false when it was sent before.
    public static func record(_ summary: UsageSummary, periodDays: Int, periodEnd: Date, on connection: PostgresConnection,
                              logger: Logger) async throws -> Bool {
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        let rows = try await connection.query("""
            INSERT INTO usage_reports (workspace_id, period_days, period_end, summary)
            VALUES (\(summary.workspaceID), \(periodDays), \(periodEnd), \(json)::jsonb)
            ON CONFLICT DO NOTHING RETURNING workspace_id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}
