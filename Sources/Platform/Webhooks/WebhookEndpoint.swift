import Foundation

/// A URL a workspace registered for events, with its sealed signing secret and its health.
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public var url: String
    public var description: String
    /// Event type names, or `*`.
    public var events: [String]
    public var secretSealed: String
    public var enabled: Bool
    public var consecutiveFailures: Int
    public var disabledAt: Date?
    public var disabledReason: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, workspaceID: UUID, url: String, description: String, events: [String], secretSealed: String, enabled: Bool,
                consecutiveFailures: Int, disabledAt: Date?, disabledReason: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.url = url
        self.description = description
        self.events = events
        self.secretSealed = secretSealed
        self.enabled = enabled
        self.consecutiveFailures = consecutiveFailures
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func subscribes(to type: WebhookEventType) -> Bool {
        type == .ping || events.contains("*") || events.contains(type.rawValue)
    }

    public func secret(sealer: SecretSealer?) throws -> String {
        guard let sealer else { throw SecretSealer.Missing() }
        return try sealer.openSecret(secretSealed)
    }

    public static func seal(_ secret: String, sealer: SecretSealer?) throws -> String {
        guard let sealer else { throw SecretSealer.Missing() }
        return try sealer.seal(secret: secret)
    }
}

/// One event on its way to one endpoint, and how its attempts went.
public struct WebhookDelivery: Sendable, Equatable {
    public struct Attempt: Sendable, Equatable {
        public let attempt: Int
        public let statusCode: Int?
        public let error: String?
        public let latencyMS: Int?
        public let responseExcerpt: String?
        public let createdAt: Date
    }

    public let id: Int64
    public let endpointID: UUID
    public let workspaceID: UUID
    public let eventID: UUID
    public let eventType: String
    public let payload: String
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public let redeliveryOf: Int64?
    public let jobID: Int64?
    public let createdAt: Date
    public var log: [Attempt] = []
}
