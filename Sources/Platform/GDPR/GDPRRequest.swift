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

    /// Marks a deletion running and answers the subject's address: captured from the user row the
    /// first time (the row is gone on a re-run after the last step), nil when there is nothing to do.
    public static func beginDeletion(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query("""
            UPDATE gdpr_requests r SET state = 'running',
                subject_email = coalesce(r.subject_email, (SELECT u.email FROM users u WHERE u.id = r.user_id))
            WHERE r.id = \(id) AND r.state IN ('pending', 'running') RETURNING r.subject_email
            """, logger: logger)
        for try await email in rows.decode(String?.self) { return email }
        return nil
    }

    /// Adds `count` to the receipt's entry `name`.
    public static func addToReceipt(id: UUID, _ name: String, _ count: Int, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE gdpr_requests SET receipt = coalesce(receipt, '{}') || jsonb_build_object(\(name)::text,
                coalesce((receipt->>\(name)::text)::int, 0) + \(count))
            WHERE id = \(id)
            """, logger: logger)
    }

    /// Completes a deletion: the address is forgotten; answers the receipt.
    public static func completeDeletion(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [String: Int] {
        let rows = try await connection.query("""
            UPDATE gdpr_requests SET state = 'completed', completed_at = now(), subject_email = NULL, receipt = coalesce(receipt, '{}')
            WHERE id = \(id) RETURNING receipt::text
            """, logger: logger)
        for try await text in rows.decode(String.self) {
            return (try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8))) ?? [:]
        }
        return [:]
    }

    /// Storage keys of the user's exports still stored.
    public static func storedExports(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let rows = try await connection.query("""
            SELECT storage_key FROM gdpr_requests WHERE user_id = \(userID) AND kind = 'export' AND storage_key IS NOT NULL
            """, logger: logger)
        var keys: [String] = []
        for try await key in rows.decode(String.self) { keys.append(key) }
        return keys
    }

    public static func forgetExport(storageKey: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE gdpr_requests SET storage_key = NULL, expires_at = least(expires_at, now()) WHERE storage_key = \(storageKey)
            """, logger: logger)
    }

    /// Due deletion requests, oldest first.
    public static func dueDeletions(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query("""
            SELECT id FROM gdpr_requests WHERE kind = 'deletion' AND state = 'pending' AND due_at <= now() ORDER BY due_at LIMIT \(limit)
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    public static func cancelPendingDeletion(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE gdpr_requests SET state = 'cancelled', completed_at = now()
            WHERE user_id = \(userID) AND kind = 'deletion' AND state = 'pending' RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
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
