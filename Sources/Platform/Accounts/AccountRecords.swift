import Foundation

/// A user as the API shows it (never with the password hash).
public struct UserRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let email: String
    public let firstName: String
    public let lastName: String
    public let createdAt: Date

    /// First and last name, or nil when both are empty (mail then goes to the bare address).
    public var fullName: String? {
        let name = "\(firstName) \(lastName)".trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }
}

public struct WorkspaceRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let name: String
    public let description: String
    public let createdAt: Date
    public let updatedAt: Date
}

/// A workspace member with the user's public fields.
public struct MemberRecord: Sendable, Codable, Equatable {
    public let userID: UUID
    public let email: String
    public let firstName: String
    public let lastName: String
    public let role: WorkspaceRole
    public let joinedAt: Date

    public var fullName: String? {
        let name = "\(firstName) \(lastName)".trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }
}

public struct InviteRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let email: String
    public let role: WorkspaceRole
    public let expiresAt: Date
    public let acceptedAt: Date?
    public let createdAt: Date
}

/// An API key's public fields: the prefix identifies it, the secret is never stored.
public struct APIKeyRecord: Sendable, Codable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let name: String
    public let prefix: String
    public let scopes: [String]
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?
}
