import Foundation
import Logging
import PostgresNIO

/// A personal-data request (an export or a deletion) and its progress.
public struct GDPRRequest: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let kind: String
    public let state: String
    public let workspacePolicy: String?
    public let dueAt: Date
    public let storageKey: String?
    public let sizeBytes: Int64?
    public let expiresAt: Date?
    public let receiptJSON: String?
    public let error: String?
    public let createdAt: Date
    public let completedAt: Date?
}

/// The `gdpr_requests` table.
public enum GDPRStore {
    static let columns = """
        id, user_id, kind, state, workspace_policy, due_at, storage_key, size_bytes, expires_at, receipt::text, error, created_at, completed_at
        """

    public static func create(userID: UUID, kind: String, workspacePolicy: String? = nil, dueAt: Date = Date(),
                              on connection: PostgresConnection, logger: Logger) async throws -> GDPRRequest {
        let rows = try await connection.query("""
            INSERT INTO gdpr_requests (user_id, kind, workspace_policy, due_at) VALUES (\(userID), \(kind), \(workspacePolicy), \(dueAt))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let request = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return request
    }

    /// One request; with `userID`, only if it is that user's.
    public static func request(id: UUID, userID: UUID? = nil, on connection: PostgresConnection, logger: Logger) async throws -> GDPRRequest? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM gdpr_requests WHERE id = \(id) AND (\(userID)::uuid IS NULL OR user_id = \(userID))
            """, logger: logger)
        return try await decode(rows).first
    }

    /// The user's open request of a kind (pending or running), if any.
    public static func open(userID: UUID, kind: String, on connection: PostgresConnection, logger: Logger) async throws -> GDPRRequest? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM gdpr_requests
            WHERE user_id = \(userID) AND kind = \(kind) AND state IN ('pending', 'running') ORDER BY created_at DESC LIMIT 1
            """, logger: logger)
        return try await decode(rows).first
    }

    public static func markRunning(id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE gdpr_requests SET state = 'running' WHERE id = \(id) AND state = 'pending'", logger: logger)
    }

    public static func completeExport(id: UUID, storageKey: String, sizeBytes: Int64, expiresAt: Date, on connection: PostgresConnection,
                                      logger: Logger) async throws {
        try await connection.query("""
            UPDATE gdpr_requests SET state = 'completed', storage_key = \(storageKey), size_bytes = \(sizeBytes), expires_at = \(expiresAt),
                completed_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    public static func fail(id: UUID, error: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE gdpr_requests SET state = 'failed', error = \(error), completed_at = now() WHERE id = \(id)
            """, logger: logger)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [GDPRRequest] {
        var requests: [GDPRRequest] = []
        for try await row in rows {
            let (id, user, kind, state, policy, due, key, size, expires, receipt, error, created, completed) = try row.decode(
                (UUID, UUID, String, String, String?, Date, String?, Int64?, Date?, String?, String?, Date, Date?).self)
            requests.append(GDPRRequest(id: id, userID: user, kind: kind, state: state, workspacePolicy: policy, dueAt: due, storageKey: key,
                                        sizeBytes: size, expiresAt: expires, receiptJSON: receipt, error: error, createdAt: created,
                                        completedAt: completed))
        }
        return requests
    }
}
