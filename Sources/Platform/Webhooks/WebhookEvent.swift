import Foundation
import ServerSupport

/// The events a workspace's webhook endpoints can subscribe to. Each is emitted in the transaction
/// of the change it reports, so an event exists if and only if the change committed.
public enum WebhookEventType: String, Sendable, CaseIterable, Codable {
    case callCompleted = "call.completed"
    case callFailed = "call.failed"
    case callAnalyzed = "call.analyzed"
    case transcriptionReady = "transcription.ready"
    case fileProcessed = "file.processed"
    case campaignCompleted = "campaign.completed"
    case creditsLow = "credits.low"
    case jobDiscarded = "job.discarded"
    /// Sent to one endpoint on request (`POST /api/webhooks/{id}/ping`), to check it.
    case ping

    /// What an endpoint subscribes to with `*`.
    public static let subscribable = allCases.filter { $0 != .ping }
}

/// One event as every endpoint receives it: `{"id", "type", "created_at", "workspace_id", "data"}`.
public struct WebhookEvent: Sendable {
    public let id: UUID
    public let type: WebhookEventType
    public let workspaceID: UUID
    public let createdAt: Date
    public let data: JSONValue

    public init(type: WebhookEventType, workspaceID: UUID, data: JSONValue, id: UUID = UUID(), createdAt: Date = Date()) {
        self.id = id
        self.type = type
        self.workspaceID = workspaceID
        self.createdAt = createdAt
        self.data = data
    }

    public var payload: JSONValue {
        .object([
            "id": .string(id.uuidString.lowercased()), "type": .string(type.rawValue), "workspace_id": .string(workspaceID.uuidString.lowercased()),
            "created_at": .string(createdAt.formatted(.iso8601)), "data": data,
        ])
    }
}
