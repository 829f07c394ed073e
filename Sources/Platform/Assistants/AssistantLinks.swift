import Foundation
import Logging
import PostgresNIO

/// An assistant's links to its workspace's tools or files, replaced as a whole.
enum AssistantLinks {
    enum Kind {
        case tools, files

        var table: String { self == .tools ? "assistant_tools" : "assistant_files" }
        var column: String { self == .tools ? "tool_id" : "file_id" }
        var source: String { self == .tools ? "tools" : "files" }
    }

    /// Links exactly `ids`; answers the ids that are not the workspace's (then nothing changes).
    static func replace(_ kind: Kind, assistantID: UUID, workspaceID: UUID, ids: [UUID], on connection: PostgresConnection,
                        logger: Logger) async throws -> [UUID] {
        let wanted = Array(Set(ids))
        var found = Set<UUID>()
        for try await id in try await connection.query(
            "SELECT id FROM \(unescaped: kind.source) WHERE workspace_id = \(workspaceID) AND id = ANY(\(wanted))",
            logger: logger).decode(UUID.self) {
            found.insert(id)
        }
        let unknown = wanted.filter { !found.contains($0) }.sorted { $0.uuidString < $1.uuidString }
        guard unknown.isEmpty else { return unknown }
        try await connection.query("""
            DELETE FROM \(unescaped: kind.table) WHERE assistant_id = \(assistantID) AND NOT (\(unescaped: kind.column) = ANY(\(wanted)))
            """, logger: logger)
        try await connection.query("""
            INSERT INTO \(unescaped: kind.table) (assistant_id, \(unescaped: kind.column)) SELECT \(assistantID), unnest(\(wanted)::uuid[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return []
    }
}
