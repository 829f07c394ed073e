import Foundation
import Platform
import PostgresNIO

/// Signing in: access tokens, password hashes, the session epochs that sign a user out everywhere,
/// and the cache of API keys.
struct SignIn: Sendable {
    let tokens: AccessTokens
    let passwords: PasswordHasher
    let sessions: UserSessions
    let apiKeys: APIKeyCache
    let database: APIDatabase

    /// The user an access token signs in: nil when the token is not valid, its user no longer
    /// exists, or the user was signed out everywhere after it was issued.
    func signedInUser(token: String) async throws -> UUID? {
        try await signedInSession(token: token)?.userID
    }

    /// The user and the session epoch of a token `signedInUser` accepts; a renewed token keeps
    /// that epoch, so renewing never carries a session past a sign-out.
    func signedInSession(token: String) async throws -> (userID: UUID, sessionEpoch: Int)? {
        guard let (userID, epoch) = await tokens.verify(token) else { return nil }
        let database = self.database
        let current = try await sessions.isCurrent(userID, epoch: epoch) {
            try await database.read { try await AccountStore.sessionEpoch(userID: userID, on: $0, logger: database.logger) }
        }
        return current ? (userID, epoch) : nil
    }

    /// A new access token for `userID` under their current session epoch.
    func issueAccessToken(userID: UUID, on connection: PostgresConnection) async throws -> String {
        guard let epoch = try await AccountStore.sessionEpoch(userID: userID, on: connection, logger: database.logger) else {
            throw APIError.unauthorized
        }
        return try await tokens.issue(userID: userID, sessionEpoch: epoch)
    }
}
