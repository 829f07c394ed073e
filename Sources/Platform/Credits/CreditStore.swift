import Foundation
import Logging
import PostgresNIO

/// The credit ledger. Every change locks the workspace's balance row, writes the ledger entry and
/// the new balance in the caller's transaction, so the two never disagree and concurrent debits
/// cannot overdraw.
public enum CreditStore {
    public static func account(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CreditAccount {
        let rows = try await connection.query("""
            SELECT balance, allowance, warning_thresholds FROM workspace_credits WHERE workspace_id = \(workspaceID)
            """, logger: logger)
        for try await (balance, allowance, thresholds) in rows.decode((Int64, Int64, [Int]).self) {
            return CreditAccount(workspaceID: workspaceID, balance: balance, allowance: allowance, warningThresholds: thresholds)
        }
        return CreditAccount(workspaceID: workspaceID, balance: 0, allowance: 0, warningThresholds: [20, 5, 0])
    }

    /// What a ledger change did.
    public enum Change: Sendable, Equatable {
        case applied(CreditEntry)
        /// An entry with this reference exists already: nothing changed (a retry).
        case duplicate(CreditEntry)
        /// A debit larger than the balance: nothing changed.
        case insufficient(balance: Int64)
    }

    /// Adds credits (a purchase or a plan refill); the balance after it becomes the new allowance.
    public static func grant(
        workspaceID: UUID, amount: Int64, reference: String?, description: String, actorUserID: UUID?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Change {
        try await apply(workspaceID: workspaceID, kind: "grant", amount: amount, reference: reference, description: description,
                        actorUserID: actorUserID, allowOverdraft: true, on: connection, logger: logger)
    }

    /// Charges usage; refused when the balance does not cover it unless `allowOverdraft` (a call
    /// that already happened is charged in full even if it ran the balance below zero).
    public static func debit(
        workspaceID: UUID, amount: Int64, reference: String, description: String, allowOverdraft: Bool,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Change {
        try await apply(workspaceID: workspaceID, kind: "usage", amount: -amount, reference: reference, description: description,
                        actorUserID: nil, allowOverdraft: allowOverdraft, on: connection, logger: logger)
    }

    public static func setWarningThresholds(workspaceID: UUID, _ thresholds: [Int], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO workspace_credits (workspace_id, warning_thresholds) VALUES (\(workspaceID), \(thresholds))
            ON CONFLICT (workspace_id) DO UPDATE SET warning_thresholds = EXCLUDED.warning_thresholds, updated_at = now()
            """, logger: logger)
    }

    /// The workspace's ledger entry with `reference`, if there is one.
    public static func entry(workspaceID: UUID, reference: String, on connection: PostgresConnection, logger: Logger) async throws -> CreditEntry? {
        try await decode(try await connection.query("""
            SELECT \(unescaped: entryColumns) FROM credit_ledger WHERE workspace_id = \(workspaceID) AND reference = \(reference)
            """, logger: logger)).first
    }

    /// Newest first; `beforeID` pages backwards.
    public static func entries(workspaceID: UUID, beforeID: Int64?, limit: Int,
                               on connection: PostgresConnection, logger: Logger) async throws -> [CreditEntry] {
        let rows = try await connection.query("""
            SELECT \(unescaped: entryColumns) FROM credit_ledger
            WHERE workspace_id = \(workspaceID) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    static let entryColumns = "id, kind, amount, balance_after, reference, description, actor_user_id, created_at"

    private static func apply(
        workspaceID: UUID, kind: String, amount: Int64, reference: String?, description: String, actorUserID: UUID?,
        allowOverdraft: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws -> Change {
        // The balance row exists from the first change on; locking it serializes changes per workspace.
        try await connection.query(
            "INSERT INTO workspace_credits (workspace_id) VALUES (\(workspaceID)) ON CONFLICT DO NOTHING", logger: logger)
        var balance: Int64 = 0
        for try await value in try await connection.query(
            "SELECT balance FROM workspace_credits WHERE workspace_id = \(workspaceID) FOR UPDATE", logger: logger).decode(Int64.self) {
            balance = value
        }
        if let reference {
            let existing = try await decode(try await connection.query("""
                SELECT \(unescaped: entryColumns) FROM credit_ledger WHERE workspace_id = \(workspaceID) AND reference = \(reference)
                """, logger: logger))
            if let entry = existing.first { return .duplicate(entry) }
        }
        let after = balance + amount
        if amount < 0, after < 0, !allowOverdraft { return .insufficient(balance: balance) }
        let entry = try await decode(try await connection.query("""
            INSERT INTO credit_ledger (workspace_id, kind, amount, balance_after, reference, description, actor_user_id)
            VALUES (\(workspaceID), \(kind), \(amount), \(after), \(reference), \(description), \(actorUserID))
            RETURNING \(unescaped: entryColumns)
            """, logger: logger))
        try await connection.query("""
            UPDATE workspace_credits SET balance = \(after), updated_at = now(),
                allowance = CASE WHEN \(kind) = 'grant' THEN \(after) ELSE allowance END
            WHERE workspace_id = \(workspaceID)
            """, logger: logger)
        guard let applied = entry.first else { throw StoreInvariantError.insertReturnedNothing }
        return .applied(applied)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [CreditEntry] {
        var entries: [CreditEntry] = []
        for try await (id, kind, amount, after, reference, description, actor, created)
            in rows.decode((Int64, String, Int64, Int64, String?, String, UUID?, Date).self) {
            entries.append(CreditEntry(id: id, kind: kind, amount: amount, balanceAfter: after, reference: reference,
                                       description: description, actorUserID: actor, createdAt: created))
        }
        return entries
    }
}
