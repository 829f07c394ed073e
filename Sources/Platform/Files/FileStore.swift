import Foundation
import Logging
import PostgresNIO

/// Uploaded files' rows.
public enum FileStore {
    static let columns = """
        id, workspace_id, assistant_id, name, content_type, format, size_bytes, sha256, storage_key, status, status_reason,
        text, pages, characters, truncated, job_id, created_at, processed_at
        """

    public static func create(
        id: UUID, workspaceID: UUID, assistantID: UUID?, name: String, contentType: String, format: DocumentFormat, sizeBytes: Int64,
        sha256: String, storageKey: String, jobID: Int64, createdBy: UUID?, on connection: PostgresConnection, logger: Logger
    ) async throws -> FileRecord {
        let rows = try await connection.query("""
            INSERT INTO files (id, workspace_id, assistant_id, name, content_type, format, size_bytes, sha256, storage_key, job_id, created_by)
            VALUES (\(id), \(workspaceID), \(assistantID), \(name), \(contentType), \(format.rawValue), \(sizeBytes), \(sha256),
                    \(storageKey), \(jobID), \(createdBy))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let record = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        if let assistantID {
            try await connection.query("INSERT INTO assistant_files (assistant_id, file_id) VALUES (\(assistantID), \(id)) ON CONFLICT DO NOTHING",
                                       logger: logger)
        }
        return record
    }

    public static func file(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> FileRecord? {
        try await decode(try await connection.query(
            "SELECT \(unescaped: columns) FROM files WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)).first
    }

    /// By id alone, for the extraction job.
    public static func file(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> FileRecord? {
        try await decode(try await connection.query("SELECT \(unescaped: columns) FROM files WHERE id = \(id)", logger: logger)).first
    }

    /// Newest first; `before` (created_at, id) of the last row seen pages backwards. Without text.
    public static func list(workspaceID: UUID, assistantID: UUID?, before: (Date, UUID)?, limit: Int,
                            on connection: PostgresConnection, logger: Logger) async throws -> [FileRecord] {
        try await decode(try await connection.query("""
            SELECT \(unescaped: columns.replacingOccurrences(of: "text,", with: "NULL::text,")) FROM files
            WHERE workspace_id = \(workspaceID)
              AND (\(assistantID)::uuid IS NULL OR EXISTS (SELECT 1 FROM assistant_files l
                                                           WHERE l.file_id = files.id AND l.assistant_id = \(assistantID)))
              AND (\(before?.0)::timestamptz IS NULL OR (created_at, id) < (\(before?.0), \(before?.1)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """, logger: logger))
    }

    /// Stores the text of a file still `uploaded`; false when it was processed before.
    @discardableResult
    public static func markReady(id: UUID, _ extracted: ExtractedText, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE files SET status = 'ready', status_reason = NULL, text = \(extracted.text), pages = \(extracted.pages),
                characters = \(extracted.characters), truncated = \(extracted.truncated), processed_at = now(), updated_at = now()
            WHERE id = \(id) AND status = 'uploaded' RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Fails a file still `uploaded`; false when it was processed before.
    @discardableResult
    public static func markFailed(id: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE files SET status = 'failed', status_reason = \(reason), processed_at = now(), updated_at = now()
            WHERE id = \(id) AND status = 'uploaded' RETURNING id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Deletes the row; returns its storage key so the caller removes the bytes.
    public static func delete(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            "DELETE FROM files WHERE workspace_id = \(workspaceID) AND id = \(id) RETURNING storage_key", logger: logger)
        for try await key in rows.decode(String.self) { return key }
        return nil
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [FileRecord] {
        var records: [FileRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            records.append(FileRecord(
                id: try cells[0].decode(UUID.self), workspaceID: try cells[1].decode(UUID.self), assistantID: try cells[2].decode(UUID?.self),
                name: try cells[3].decode(String.self), contentType: try cells[4].decode(String.self),
                format: DocumentFormat(rawValue: try cells[5].decode(String.self)) ?? .text, sizeBytes: try cells[6].decode(Int64.self),
                sha256: try cells[7].decode(String.self), storageKey: try cells[8].decode(String.self), status: try cells[9].decode(String.self),
                statusReason: try cells[10].decode(String?.self), text: try cells[11].decode(String?.self), pages: try cells[12].decode(Int?.self),
                characters: try cells[13].decode(Int?.self), truncated: try cells[14].decode(Bool.self), jobID: try cells[15].decode(Int64?.self),
                createdAt: try cells[16].decode(Date.self), processedAt: try cells[17].decode(Date?.self)))
        }
        return records
    }
}
