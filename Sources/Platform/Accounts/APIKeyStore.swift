import Foundation
import Logging
import PostgresNIO

/// Workspace API keys, looked up by the SHA-256 digest of the presented key.
public enum APIKeyStore {
    static let columns = "id, workspace_id, name, prefix, scopes, created_at, last_used_at, revoked_at"

    public static func create(
        workspaceID: UUID, name: String, prefix: String, keyHash: Data, scopes: [String], createdBy: UUID?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> APIKeyRecord {
        let rows = try await connection.query("""
            INSERT INTO api_keys (workspace_id, name, prefix, key_hash, scopes, created_by)
            VALUES (\(workspaceID), \(name), \(prefix), \(keyHash), \(scopes), \(createdBy))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let key = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return key
    }

    public static func list(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [APIKeyRecord] {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM api_keys WHERE workspace_id = \(workspaceID) ORDER BY created_at, id",
            logger: logger)
        return try await decode(rows)
    }

    /// Revokes a key of the workspace; false when there is no such unrevoked key.
    public static func revoke(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE api_keys SET revoked_at = now()
            WHERE workspace_id = \(workspaceID) AND id = \(id) AND revoked_at IS NULL
            RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Revokes every key `userID` made in the workspace (they left it): a later return to the
    /// workspace does not revive them. Returns how many were revoked.
    public static func revokeAll(createdBy userID: UUID, workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("""
            UPDATE api_keys SET revoked_at = now()
            WHERE workspace_id = \(workspaceID) AND created_by = \(userID) AND revoked_at IS NULL
            RETURNING id
            """, logger: logger)
        var count = 0
        for try await _ in rows.decode(UUID.self) { count += 1 }
        return count
    }

    /// The unrevoked key with this digest, with its creator's current role in the key's workspace
    /// (nil once the creator left the workspace or was deleted): a key never acts beyond the person
    /// who made it. Its last-used time is written at most once a minute, so a busy key does not turn
    /// every request into a write.
    public static func authenticate(keyHash: Data, on connection: PostgresConnection, logger: Logger) async throws -> AuthenticatedKey? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns),
                   (SELECT m.role::text FROM workspace_members m WHERE m.workspace_id = k.workspace_id AND m.user_id = k.created_by)
            FROM api_keys k WHERE key_hash = \(keyHash) AND revoked_at IS NULL
            """, logger: logger)
        var found: AuthenticatedKey?
        for try await (id, workspace, name, prefix, scopes, created, lastUsed, revoked, role)
            in rows.decode((UUID, UUID, String, String, [String], Date, Date?, Date?, String?).self) {
            found = AuthenticatedKey(
                key: APIKeyRecord(id: id, workspaceID: workspace, name: name, prefix: prefix, scopes: scopes,
                                  createdAt: created, lastUsedAt: lastUsed, revokedAt: revoked),
                creatorRole: role.flatMap(WorkspaceRole.init(rawValue:)))
        }
        guard let found else { return nil }
        if found.key.lastUsedAt.map({ Date().timeIntervalSince($0) > 60 }) ?? true {
            try await connection.query("UPDATE api_keys SET last_used_at = now() WHERE id = \(found.key.id)", logger: logger)
        }
        return found
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var keys: [APIKeyRecord] = []
        for try await (id, workspace, name, prefix, scopes, created, lastUsed, revoked)
            in rows.decode((UUID, UUID, String, String, [String], Date, Date?, Date?).self) {
            keys.append(APIKeyRecord(id: id, workspaceID: workspace, name: name, prefix: prefix, scopes: scopes,
                                     createdAt: created, lastUsedAt: lastUsed, revokedAt: revoked))
        }
        return keys
    }
}

/// A presented key and the role its creator holds in the key's workspace now.
public struct AuthenticatedKey: Sendable {
    public let key: APIKeyRecord
    public let creatorRole: WorkspaceRole?
}
