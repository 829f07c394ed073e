import Foundation
import Logging
import PostgresNIO

/// Charges the language model's tokens. A text conversation's turn is charged as it finishes. A
/// call's turns are charged together once, when the call ends (reference `conversation:<id>`), so
/// the turns of a workspace's concurrent calls do not queue on its balance row; a turn that finishes
/// after its call was charged is charged on its own (reference `turn:<id>`). Both sides lock the
/// conversation's row, so every turn is charged exactly once, whichever commits first.
public enum ConversationBilling {
    /// Calls run at most four hours at Twilio: a call conversation this old that was never charged
    /// lost its end (a status callback that never came) and is charged by the sweep.
    public static let staleAfter: Duration = .seconds(4 * 3_600)

    /// Stores a finished turn and charges it where it must be charged now: a text conversation's
    /// turn always, a call's only when the call was charged before the turn finished. In the
    /// caller's transaction; the statement that stores a call's turn locks the conversation's row.
    static func store(_ turn: ConversationTurn, of conversation: ConversationRecord, on connection: PostgresConnection,
                      logger: Logger) async throws {
        let isCall = conversation.callID != nil
        let charged = try await ConversationStore.complete(turn, locking: isCall ? conversation.id : nil, on: connection, logger: logger)
        guard !isCall || charged, turn.cost > 0 else { return }
        _ = try await CreditStore.debit(
            workspaceID: conversation.workspaceID, amount: turn.cost, reference: "turn:\(turn.id)",
            description: "assistant turn, \(turn.inputTokens + turn.outputTokens) tokens", allowOverdraft: true,
            on: connection, logger: logger)
    }

    /// Charges a call conversation's finished turns as one entry, once; returns the amount, or nil
    /// when it was charged before.
    @discardableResult
    public static func settle(conversationID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        let marked = try await connection.query("""
            UPDATE conversations SET charged_at = now() WHERE id = \(conversationID) AND call_id IS NOT NULL AND charged_at IS NULL
            RETURNING workspace_id
            """, logger: logger)
        var workspace: UUID?
        for try await id in marked.decode(UUID.self) { workspace = id }
        guard let workspace else { return nil }
        let sums = try await connection.query("""
            SELECT coalesce(sum(cost), 0)::bigint, coalesce(sum(input_tokens + output_tokens), 0)::bigint, count(*)::int
            FROM conversation_turns WHERE conversation_id = \(conversationID) AND outcome <> 'pending'
            """, logger: logger)
        var (amount, tokens, turns): (Int64, Int64, Int) = (0, 0, 0)
        for try await row in sums.decode((Int64, Int64, Int).self) { (amount, tokens, turns) = row }
        if amount > 0 {
            _ = try await CreditStore.debit(
                workspaceID: workspace, amount: amount, reference: "conversation:\(conversationID.uuidString.lowercased())",
                description: "assistant turns of a call: \(turns) turns, \(tokens) tokens", allowOverdraft: true,
                on: connection, logger: logger)
        }
        try await connection.query("UPDATE conversations SET charged_amount = \(amount) WHERE id = \(conversationID)", logger: logger)
        return amount
    }

    /// The call conversations older than `staleAfter` that were never charged (their call's end was
    /// never reported), oldest first.
    public static func uncharged(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query("""
            SELECT id FROM conversations
            WHERE call_id IS NOT NULL AND charged_at IS NULL AND created_at < now() - make_interval(secs => \(staleAfter.seconds))
            ORDER BY created_at LIMIT \(limit)
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }
}
