import Foundation
import Logging
import PostgresNIO

/// Users and their refresh-token chains. Every query takes the connection of the caller's
/// transaction, so a change and its audit entry commit together.
public enum AccountStore {
    static let userColumns = "id, email, first_name, last_name, created_at"

    /// Creates a user; nil when the address (compared case-insensitively) is taken.
    public static func createUser(
        email: String, firstName: String, lastName: String, passwordHash: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UserRecord? {
        let rows = try await connection.query("""
            INSERT INTO users (email, first_name, last_name, password_hash)
            VALUES (\(email), \(firstName), \(lastName), \(passwordHash))
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING \(unescaped: userColumns)
            """, logger: logger)
        return try await decodeUsers(rows).first
    }

    public static func user(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UserRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: userColumns) FROM users WHERE id = \(id)", logger: logger)
        return try await decodeUsers(rows).first
    }

    /// The user with this address and their password hash, for login.
    public static func credentials(email: String, on connection: PostgresConnection,
                                   logger: Logger) async throws -> (UserRecord, passwordHash: String)? {
        let rows = try await connection.query(
            "SELECT \(unescaped: userColumns), password_hash FROM users WHERE lower(email) = lower(\(email))",
            logger: logger)
        for try await (id, email, first, last, created, hash) in rows.decode((UUID, String, String, String, Date, String).self) {
            return (UserRecord(id: id, email: email, firstName: first, lastName: last, createdAt: created), hash)
        }
        return nil
    }

    public static func setPassword(userID: UUID, passwordHash: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE users SET password_hash = \(passwordHash), updated_at = now() WHERE id = \(userID)", logger: logger)
    }

    /// The user's session epoch; nil when the user does not exist (any more).
    public static func sessionEpoch(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int? {
        let rows = try await connection.query("SELECT session_epoch FROM users WHERE id = \(userID)", logger: logger)
        for try await epoch in rows.decode(Int.self) { return epoch }
        return nil
    }

    /// Signs the user out everywhere: access tokens issued before are refused from now on.
    public static func endSessions(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = \(userID)", logger: logger)
    }

    // MARK: Refresh tokens

    public static func insertRefreshToken(
        userID: UUID, familyID: UUID, tokenHash: Data, expiresAt: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query("""
            INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
            VALUES (\(familyID), \(userID), \(tokenHash), \(expiresAt))
            """, logger: logger)
    }

    /// What presenting a refresh token found.
    public enum RefreshUse: Sendable, Equatable {
        /// The token was current; it is now used, and its successor belongs to `familyID`.
        case valid(userID: UUID, familyID: UUID)
        /// The token had been used or revoked before: its whole family is revoked now.
        case reused
        case expired
        case unknown
    }

    /// Marks the token used (a token refreshes once). Presenting a used or revoked token again
    /// revokes every token of its family, so a stolen token dies with the chain it came from.
    public static func useRefreshToken(tokenHash: Data, on connection: PostgresConnection, logger: Logger) async throws -> RefreshUse {
        let rows = try await connection.query("""
            SELECT id, user_id, family_id, used_at IS NOT NULL OR revoked_at IS NOT NULL, expires_at <= now()
            FROM refresh_tokens WHERE token_hash = \(tokenHash) FOR UPDATE
            """, logger: logger)
        var found: (UUID, UUID, UUID, Bool, Bool)?
        for try await row in rows.decode((UUID, UUID, UUID, Bool, Bool).self) { found = row }
        guard let (id, userID, familyID, spent, expired) = found else { return .unknown }
        if spent {
            try await revokeFamily(familyID, on: connection, logger: logger)
            return .reused
        }
        if expired { return .expired }
        try await connection.query("UPDATE refresh_tokens SET used_at = now() WHERE id = \(id)", logger: logger)
        return .valid(userID: userID, familyID: familyID)
    }

    /// Revokes the family of the given token (logout); false when the token is unknown.
    public static func revokeFamily(ofTokenHash tokenHash: Data, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = \(tokenHash)", logger: logger)
        for try await familyID in rows.decode(UUID.self) {
            try await revokeFamily(familyID, on: connection, logger: logger)
            return true
        }
        return false
    }

    /// Revokes every refresh token of a user (after a password reset).
    public static func revokeAllRefreshTokens(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL", logger: logger)
    }

    /// Deletes up to `limit` refresh tokens that expired before `before` (a used or revoked token
    /// must outlive its reuse window, which ends when it expires) and invites that expired or were
    /// accepted before it. Returns how many of each went.
    public static func deleteExpired(before: Date, limit: Int, on connection: PostgresConnection,
                                     logger: Logger) async throws -> (tokens: Int, invites: Int) {
        var tokens = 0
        var invites = 0
        let tokenRows = try await connection.query("""
            WITH doomed AS (SELECT id FROM refresh_tokens WHERE expires_at < \(before) LIMIT \(limit))
            DELETE FROM refresh_tokens t USING doomed WHERE t.id = doomed.id RETURNING t.id
            """, logger: logger)
        for try await _ in tokenRows.decode(UUID.self) { tokens += 1 }
        let inviteRows = try await connection.query("""
            WITH doomed AS (
                SELECT id FROM workspace_invites WHERE expires_at < \(before) OR accepted_at < \(before) LIMIT \(limit)
            )
            DELETE FROM workspace_invites i USING doomed WHERE i.id = doomed.id RETURNING i.id
            """, logger: logger)
        for try await _ in inviteRows.decode(UUID.self) { invites += 1 }
        return (tokens, invites)
    }

    static func revokeFamily(_ familyID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(familyID) AND revoked_at IS NULL",
            logger: logger)
    }

    static func decodeUsers(_ rows: PostgresRowSequence) async throws -> [UserRecord] {
        var users: [UserRecord] = []
        for try await (id, email, first, last, created) in rows.decode((UUID, String, String, String, Date).self) {
            users.append(UserRecord(id: id, email: email, firstName: first, lastName: last, createdAt: created))
        }
        return users
    }
}
