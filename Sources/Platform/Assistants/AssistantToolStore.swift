import Foundation
import Logging
import PostgresNIO

/// The tools an assistant offers its model: links within one workspace, set as a whole.
public enum AssistantToolStore {
    /// The tool columns `ToolStore.decode` reads, from the joined `tools t`.
    static let qualifiedToolColumns = ToolStore.columns.split(separator: ",")
        .map { "t." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    /// Ids that are not tools of the assistant's workspace.
    public struct UnknownTools: Error {
        public let ids: [UUID]
    }

    /// Replaces the assistant's tools with `toolIDs`, all of which must be tools of `workspaceID`.
    public static func set(assistantID: UUID, workspaceID: UUID, toolIDs: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        let unknown = try await AssistantLinks.replace(.tools, assistantID: assistantID, workspaceID: workspaceID, ids: toolIDs, on: connection,
                                                       logger: logger)
        guard unknown.isEmpty else { throw UnknownTools(ids: unknown) }
    }

    /// The assistant's tools, by name; with `enabledOnly` those a call may use.
    public static func tools(assistantID: UUID, workspaceID: UUID, enabledOnly: Bool, on connection: PostgresConnection,
                             logger: Logger) async throws -> [Tool] {
        try await ToolStore.decode(try await connection.query("""
            SELECT \(unescaped: qualifiedToolColumns)
            FROM assistant_tools a JOIN tools t ON t.id = a.tool_id
            WHERE a.assistant_id = \(assistantID) AND t.workspace_id = \(workspaceID) AND (t.enabled OR NOT \(enabledOnly))
            ORDER BY t.name
            """, logger: logger))
    }
}
