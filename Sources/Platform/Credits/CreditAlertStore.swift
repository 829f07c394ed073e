import Foundation
import Logging
import PostgresNIO

/// Which workspaces the credit check should warn, and the record of warnings sent.
public enum CreditAlertStore {
    /// A workspace at or below one of its thresholds.
    public struct LowBalance: Sendable {
        public let workspaceID: UUID
        public let workspaceName: String
        /// The ledger id of the grant that set the allowance.
        public let grantID: Int64
        public let account: CreditAccount
    }

    /// A workspace whose spend in the last hour is far above its usual hourly spend.
    public struct SpendSpike: Sendable {
        public let workspaceID: UUID
        public let workspaceName: String
        public let lastHour: Int64
        public let usualHourly: Int64
        public let balance: Int64
    }

    public static func lowBalances(on connection: PostgresConnection, logger: Logger) async throws -> [LowBalance] {
        let rows = try await connection.query("""
            SELECT c.workspace_id, w.name, c.balance, c.allowance, c.warning_thresholds,
                   (SELECT max(l.id) FROM credit_ledger l WHERE l.workspace_id = c.workspace_id AND l.kind = 'grant')
            FROM workspace_credits c JOIN workspaces w ON w.id = c.workspace_id
            WHERE c.allowance > 0 AND EXISTS (SELECT 1 FROM unnest(c.warning_thresholds) t WHERE c.balance * 100 <= c.allowance * t)
            ORDER BY c.workspace_id
            """, logger: logger)
        var found: [LowBalance] = []
        for try await (id, name, balance, allowance, thresholds, grant) in rows.decode((UUID, String, Int64, Int64, [Int], Int64?).self) {
            guard let grant else { continue }
            found.append(LowBalance(workspaceID: id, workspaceName: name, grantID: grant,
                                    account: CreditAccount(workspaceID: id, balance: balance, allowance: allowance, warningThresholds: thresholds)))
        }
        return found
    }

    public static func spendSpikes(factor: Double, minimum: Int64, on connection: PostgresConnection, logger: Logger) async throws -> [SpendSpike] {
        let rows = try await connection.query("""
            WITH recent AS (
                SELECT workspace_id, -sum(amount) AS spent FROM credit_ledger
                WHERE kind = 'usage' AND created_at >= now() - interval '1 hour' GROUP BY workspace_id
            ), usual AS (
                SELECT workspace_id, (-sum(amount) / 168)::bigint AS hourly FROM credit_ledger
                WHERE kind = 'usage' AND created_at >= now() - interval '169 hours' AND created_at < now() - interval '1 hour'
                GROUP BY workspace_id
            )
            SELECT r.workspace_id, w.name, r.spent::bigint, coalesce(u.hourly, 0), coalesce(c.balance, 0)
            FROM recent r JOIN workspaces w ON w.id = r.workspace_id
            LEFT JOIN usual u ON u.workspace_id = r.workspace_id
            LEFT JOIN workspace_credits c ON c.workspace_id = r.workspace_id
            WHERE r.spent >= \(minimum) AND r.spent >= \(factor) * coalesce(u.hourly, 0)
            ORDER BY r.workspace_id
            """, logger: logger)
        var found: [SpendSpike] = []
        for try await (id, name, spent, usual, balance) in rows.decode((UUID, String, Int64, Int64, Int64).self) {
            found.append(SpendSpike(workspaceID: id, workspaceName: name, lastHour: spent, usualHourly: usual, balance: balance))
        }
        return found
    }

    public static func hasAlert(workspaceID: UUID, kind: String, epoch: Int64, on connection: PostgresConnection,
                                logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            SELECT 1 FROM credit_alerts WHERE workspace_id = \(workspaceID) AND kind = \(kind) AND epoch = \(epoch) LIMIT 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// Records alerts; answers the levels that were new (not sent before).
    public static func record(workspaceID: UUID, kind: String, epoch: Int64, levels: [Int], balance: Int64,
                              on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        let rows = try await connection.query("""
            INSERT INTO credit_alerts (workspace_id, kind, epoch, level, balance)
            SELECT \(workspaceID), \(kind), \(epoch), level, \(balance) FROM unnest(\(levels)::int[]) AS level
            ON CONFLICT DO NOTHING RETURNING level
            """, logger: logger)
        var recorded: [Int] = []
        for try await level in rows.decode(Int.self) { recorded.append(level) }
        return recorded
    }
}
