import Foundation

/// An uploaded file and what extraction made of it.
public struct FileRecord: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let assistantID: UUID?
    public let name: String
    public let contentType: String
    public let format: DocumentFormat
    public let sizeBytes: Int64
    public let sha256: String
    public let storageKey: String
    /// `uploaded`, `ready` or `failed`.
    public let status: String
    public let statusReason: String?
    public let text: String?
    public let pages: Int?
    public let characters: Int?
    public let truncated: Bool
    public let jobID: Int64?
    public let createdAt: Date
    public let processedAt: Date?
}
