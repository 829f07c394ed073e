import Foundation
import Platform

/// Who sent a request: a signed-in user (JWT) or a workspace API key.
enum Caller: Sendable {
    case user(UUID)
    /// A key with the role its creator holds now: the key may do what both its scopes and that
    /// role allow, and nothing once its creator has left the workspace.
    case apiKey(APIKeyRecord, creatorRole: WorkspaceRole?)

    var userID: UUID? {
        if case .user(let id) = self { return id }
        return nil
    }

    var keyID: UUID? {
        if case .apiKey(let key, _) = self { return key.id }
        return nil
    }
}
