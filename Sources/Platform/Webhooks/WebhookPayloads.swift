import Foundation
import Logging
import PostgresNIO
import Providers
import ServerSupport

/// The `data` of each event, and the emits the platform's changes make. Ids are lowercase UUIDs,
/// times ISO 8601, credits in credits (not millicredits).
extension WebhookEvents {
    /// `call.completed` for a call that ended talking, `call.failed` for any other end (busy, no
    /// answer, failed, cancelled, never placed).
    public static func callEnded(_ call: CallRecord, on connection: PostgresConnection, logger: Logger) async throws {
        guard call.status.isFinal else { return }
        var data: [String: JSONValue] = [
            "call_id": id(call.id), "status": .string(call.status.rawValue), "direction": .string(call.direction),
            "to": .string(call.toNumber), "from": .string(call.fromNumber), "created_at": time(call.createdAt),
        ]
        data["assistant_id"] = call.assistantID.map(id)
        data["status_reason"] = call.statusReason.map { .string($0) }
        data["duration_seconds"] = call.durationSeconds.map { .number(Double($0)) }
        data["cost_credits"] = call.cost.map { .number(Double($0) / 1_000) }
        data["answered_at"] = call.answeredAt.map(time)
        data["ended_at"] = call.endedAt.map(time)
        try await emit(call.status == .completed ? .callCompleted : .callFailed, workspaceID: call.workspaceID, data: .object(data),
                       on: connection, logger: logger)
    }

    /// `call.analyzed`: what the assistant's model made of a finished call's conversation.
    public static func callAnalyzed(callID: UUID, workspaceID: UUID, _ analysis: CallAnalysis, on connection: PostgresConnection,
                                    logger: Logger) async throws {
        var data: [String: JSONValue] = ["call_id": id(callID), "summary": .string(analysis.summary), "outcome": .string(analysis.outcome),
                                         "sentiment": .string(analysis.sentiment)]
        data["follow_up"] = analysis.followUp.map { .string($0) } ?? .null
        try await emit(.callAnalyzed, workspaceID: workspaceID, data: .object(data), on: connection, logger: logger)
    }

    public static func transcriptionReady(callID: UUID, workspaceID: UUID, _ transcript: Transcript, on connection: PostgresConnection,
                                   logger: Logger) async throws {
        var data: [String: JSONValue] = ["call_id": id(callID), "characters": .number(Double(transcript.text.count))]
        data["language"] = transcript.language.map { .string($0) }
        data["seconds"] = transcript.duration.map { .number($0) }
        try await emit(.transcriptionReady, workspaceID: workspaceID, data: .object(data), on: connection, logger: logger)
    }

    public static func fileProcessed(_ file: FileRecord, status: String, pages: Int?, characters: Int?, reason: String?,
                                     on connection: PostgresConnection,
                              logger: Logger) async throws {
        var data: [String: JSONValue] = ["file_id": id(file.id), "name": .string(file.name), "status": .string(status)]
        data["pages"] = pages.map { .number(Double($0)) }
        data["characters"] = characters.map { .number(Double($0)) }
        data["status_reason"] = reason.map { .string($0) }
        data["assistant_id"] = file.assistantID.map(id)
        try await emit(.fileProcessed, workspaceID: file.workspaceID, data: .object(data), on: connection, logger: logger)
    }

    public static func campaignCompleted(_ campaign: CampaignRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            SELECT state, count(*)::int FROM email_campaign_recipients WHERE campaign_id = \(campaign.id) GROUP BY state
            """, logger: logger)
        var counts: [String: JSONValue] = [:]
        for try await (state, count) in rows.decode((String, Int).self) { counts[state] = .number(Double(count)) }
        try await emit(.campaignCompleted, workspaceID: campaign.workspaceID, data: .object([
            "campaign_id": id(campaign.id), "name": .string(campaign.name), "total": .number(Double(campaign.total)), "recipients": .object(counts),
        ]), on: connection, logger: logger)
    }

    public static func creditsLow(workspaceID: UUID, account: CreditAccount, thresholdPercent: Int, on connection: PostgresConnection,
                           logger: Logger) async throws {
        try await emit(.creditsLow, workspaceID: workspaceID, data: .object([
            "balance": .number(Double(account.balance) / 1_000), "allowance": .number(Double(account.allowance) / 1_000),
            "threshold_percent": .number(Double(thresholdPercent)), "depleted": .bool(account.balance <= 0),
        ]), on: connection, logger: logger)
    }

    private static func id(_ value: UUID) -> JSONValue { .string(value.uuidString.lowercased()) }
    private static func time(_ value: Date) -> JSONValue { .string(value.formatted(.iso8601)) }
}
