import Foundation
import Logging
import PostgresNIO

/// A passage found for a turn, with the document it comes from.
public struct KnowledgePassage: Sendable, Equatable {
    public let fileName: String
    public let text: String
}

/// The documents assistants know: their passages, indexed for full-text search in each document's
/// language, and the links between assistants and files.
public enum KnowledgeStore {
    /// Replaces the file's passages with those of `text` (an extraction, first or again).
    public static func index(fileID: UUID, workspaceID: UUID, text: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await remove(fileID: fileID, on: connection, logger: logger)
        let passages = Passages.split(text)
        guard !passages.isEmpty else { return }
        let language = TextLanguage.configuration(for: text)
        try await connection.query("""
            INSERT INTO knowledge_passages (file_id, workspace_id, ordinal, language, text, tsv)
            SELECT \(fileID), \(workspaceID), p.ordinal, \(language)::regconfig, p.text, to_tsvector(\(language)::regconfig, p.text)
            FROM unnest(\(Array(passages.indices))::integer[], \(passages)::text[]) AS p(ordinal, text)
            """, logger: logger)
    }

    public static func remove(fileID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM knowledge_passages WHERE file_id = \(fileID)", logger: logger)
    }

    /// The passages of `fileIDs` (of `workspaceID` only) that best match `query`, any of its words
    /// counting, best first, as many as fit `maximumCharacters`.
    public static func search(_ query: String, workspaceID: UUID, fileIDs: [UUID], limit: Int, maximumCharacters: Int,
                              on connection: PostgresConnection, logger: Logger) async throws -> [KnowledgePassage] {
        guard !fileIDs.isEmpty, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, limit > 0 else { return [] }
        let rows = try await connection.query("""
            SELECT f.name, p.text
            FROM knowledge_passages p
            JOIN files f ON f.id = p.file_id AND f.workspace_id = p.workspace_id
            CROSS JOIN LATERAL (SELECT replace(plainto_tsquery(p.language, \(query))::text, ' & ', ' | ')::tsquery AS terms) q
            WHERE p.workspace_id = \(workspaceID) AND p.file_id = ANY(\(fileIDs)) AND p.tsv @@ q.terms
            ORDER BY ts_rank_cd(p.tsv, q.terms) DESC, p.id
            LIMIT \(limit)
            """, logger: logger)
        var found: [KnowledgePassage] = []
        var used = 0
        for try await (name, text) in rows.decode((String, String).self) where used + text.count <= maximumCharacters {
            used += text.count
            found.append(KnowledgePassage(fileName: name, text: text))
        }
        return found
    }

    /// Ids that are not files of the assistant's workspace.
    public struct UnknownFiles: Error {
        public let ids: [UUID]
    }

    /// Replaces the assistant's documents with `fileIDs`, all of which must be files of `workspaceID`.
    public static func link(assistantID: UUID, workspaceID: UUID, fileIDs: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        let unknown = try await AssistantLinks.replace(.files, assistantID: assistantID, workspaceID: workspaceID, ids: fileIDs, on: connection,
                                                       logger: logger)
        guard unknown.isEmpty else { throw UnknownFiles(ids: unknown) }
    }

    /// The assistant's documents: (id, name, status), by name.
    public static func files(assistantID: UUID, workspaceID: UUID, on connection: PostgresConnection,
                             logger: Logger) async throws -> [(id: UUID, name: String, status: String)] {
        var files: [(UUID, String, String)] = []
        for try await row in try await connection.query("""
            SELECT f.id, f.name, f.status FROM assistant_files a JOIN files f ON f.id = a.file_id
            WHERE a.assistant_id = \(assistantID) AND f.workspace_id = \(workspaceID) ORDER BY f.name, f.id
            """, logger: logger).decode((UUID, String, String).self) {
            files.append(row)
        }
        return files.map { (id: $0.0, name: $0.1, status: $0.2) }
    }

    /// The draft's documents (for a conversation with a never-deployed assistant).
    public static func fileIDs(assistantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await id in try await connection.query(
            "SELECT file_id FROM assistant_files WHERE assistant_id = \(assistantID)", logger: logger).decode(UUID.self) {
            ids.append(id)
        }
        return ids
    }
}
