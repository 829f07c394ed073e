import Foundation
import Jobs

/// Who sent a request: a signed-in user (JWT) or a workspace API key.
enum Caller: Sendable {
    case user(UUID)
    case apiKey(APIKeyRecord)

    var userID: UUID? {
        if case .user(let id) = self { return id }
        return nil
    }

    var keyID: UUID? {
        if case .apiKey(let key) = self { return key.id }
        return nil
    }
}
