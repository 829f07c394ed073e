import Foundation

/// A stored assistant: its settings and where it is in its life (draft until deployed; each deploy
/// raises the version that calls record).
public struct AssistantRecord: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let settings: AssistantSettings
    public let status: String
    public let version: Int
    public let deployedAt: Date?
    public let createdAt: Date
    public let updatedAt: Date
}

/// A phone number of a workspace, and the assistant that answers it.
public struct PhoneNumberRecord: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let number: String
    public let label: String
    public let provider: String
    public let providerSID: String?
    public let assistantID: UUID?
    public let createdAt: Date
    public let updatedAt: Date
    /// Whether the provider account holds the number and its calls reach this deployment.
    public let providerStatus: ProviderStatus
    public let providerError: String?

    public enum ProviderStatus: String, Sendable {
        case configuring, configured, unconfigured
        case notInAccount = "not_in_account"
        case purchasing
        case purchaseFailed = "purchase_failed"
    }
}
