import Foundation
import Logging
import PostgresNIO

/// Password-reset requests: a digest of a single-use token with an expiry. Using one marks it and
/// every other open request of the user spent.
public enum PasswordResetStore {
    public static func create(userID: UUID, tokenHash: Data, expiresAt: Date, ip: String?, on connection: PostgresConnection,
                              logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO password_resets (user_id, token_hash, expires_at, requested_ip)
            VALUES (\(userID), \(tokenHash), \(expiresAt), \(ip))
            """, logger: logger)
    }

    /// Spends the token; the user it belongs to, or nil when it is unknown, used or expired.
    public static func use(tokenHash: Data, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("""
            UPDATE password_resets SET used_at = now()
            WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > now()
            RETURNING user_id
            """, logger: logger)
        var userID: UUID?
        for try await id in rows.decode(UUID.self) { userID = id }
        guard let userID else { return nil }
        try await connection.query(
            "UPDATE password_resets SET used_at = now() WHERE user_id = \(userID) AND used_at IS NULL", logger: logger)
        return userID
    }

    /// Deletes requests that expired or were used before `before`, at most `limit`.
    public static func deleteExpired(before: Date, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("""
            WITH doomed AS (SELECT id FROM password_resets WHERE expires_at < \(before) OR used_at < \(before) LIMIT \(limit))
            DELETE FROM password_resets r USING doomed WHERE r.id = doomed.id RETURNING r.id
            """, logger: logger)
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }
}
