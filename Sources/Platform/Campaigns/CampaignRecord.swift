import Foundation

/// A bulk email campaign and its progress.
public struct CampaignRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let name: String
    public let template: String
    /// JSON object of the variables every recipient gets.
    public let variablesJSON: String
    public let state: String
    public let total: Int
    public let chunks: Int
    public let createdAt: Date
    public let completedAt: Date?
}

/// Recipients per state (`queued`, `sent`, `failed`, `bounced`, `skipped`, `cancelled`).
public struct CampaignCounts: Sendable, Codable, Equatable {
    public var byState: [String: Int]

    public init(byState: [String: Int]) {
        self.byState = byState
    }

    public var queued: Int { byState["queued"] ?? 0 }
    public var total: Int { byState.values.reduce(0, +) }
    /// Share of recipients no longer queued, 0–100.
    public var percent: Int { total == 0 ? 100 : (total - queued) * 100 / total }
}

/// One recipient as the API takes it: an address, a display name and variables of its own.
public struct CampaignRecipient: Sendable, Codable, Equatable {
    public var address: String
    public var name: String?
    public var variables: [String: TemplateValue]

    public init(address: String, name: String? = nil, variables: [String: TemplateValue] = [:]) {
        self.address = address
        self.name = name
        self.variables = variables
    }
}

/// A recipient still to send, as a chunk job reads it.
public struct PendingRecipient: Sendable {
    public let id: Int64
    public let address: String
    public let name: String?
    public let variables: [String: TemplateValue]
}
