import Foundation
import Logging
import PostgresNIO

/// What deploy froze: one version's settings, tool links and knowledge links.
public struct AssistantVersion: Sendable, Equatable {
    public let assistantID: UUID
    public let workspaceID: UUID
    public let version: Int
    public let settings: AssistantSettings
    public let toolIDs: [UUID]
    public let fileIDs: [UUID]
    public let createdAt: Date
}

/// The versions of an assistant: frozen by deploy, read by calls, restored by rollback.
public enum AssistantVersionStore {
    static let settingsColumns = """
        name, description, llm_provider, llm_model, system_prompt, first_message, temperature, max_tokens, language,
        voice_provider, voice_id, interruption_sensitivity, silence_timeout_ms, response_delay_ms, record_calls, transfer_number
        """
    static let columns = "assistant_id, workspace_id, version, tool_ids, file_ids, created_at, " + settingsColumns

    /// Copies the assistant's settings and links as `version` (kept if it exists).
    static func freeze(assistantID: UUID, version: Int, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO assistant_versions (assistant_id, version, workspace_id, tool_ids, file_ids, \(unescaped: settingsColumns))
            SELECT a.id, \(version), a.workspace_id,
                ARRAY(SELECT t.tool_id FROM assistant_tools t WHERE t.assistant_id = a.id ORDER BY t.tool_id),
                ARRAY(SELECT f.file_id FROM assistant_files f WHERE f.assistant_id = a.id ORDER BY f.file_id),
                \(unescaped: settingsColumns)
            FROM assistants a WHERE a.id = \(assistantID)
            ON CONFLICT (assistant_id, version) DO NOTHING
            """, logger: logger)
    }

    public static func version(assistantID: UUID, workspaceID: UUID, version: Int, on connection: PostgresConnection,
                               logger: Logger) async throws -> AssistantVersion? {
        try await decode(try await connection.query("""
            SELECT \(unescaped: columns) FROM assistant_versions
            WHERE assistant_id = \(assistantID) AND workspace_id = \(workspaceID) AND version = \(version)
            """, logger: logger)).first
    }

    /// Newest first.
    public static func list(assistantID: UUID, workspaceID: UUID, on connection: PostgresConnection,
                            logger: Logger) async throws -> [AssistantVersion] {
        try await decode(try await connection.query("""
            SELECT \(unescaped: columns) FROM assistant_versions
            WHERE assistant_id = \(assistantID) AND workspace_id = \(workspaceID) ORDER BY version DESC LIMIT 200
            """, logger: logger))
    }

    /// Makes `version` the draft again: its settings, and its tool and knowledge links that still
    /// exist in the workspace. Deploy it to make it live.
    public static func restore(_ version: AssistantVersion, on connection: PostgresConnection, logger: Logger) async throws {
        let assignments = settingsColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { "\($0) = v.\($0)" }.joined(separator: ", ")
        try await connection.query("""
            UPDATE assistants a SET \(unescaped: assignments), updated_at = now()
            FROM assistant_versions v
            WHERE a.id = \(version.assistantID) AND v.assistant_id = a.id AND v.version = \(version.version)
            """, logger: logger)
        try await connection.query("DELETE FROM assistant_tools WHERE assistant_id = \(version.assistantID)", logger: logger)
        try await connection.query("""
            INSERT INTO assistant_tools (assistant_id, tool_id)
            SELECT \(version.assistantID), id FROM tools WHERE workspace_id = \(version.workspaceID) AND id = ANY(\(version.toolIDs))
            """, logger: logger)
        try await connection.query("DELETE FROM assistant_files WHERE assistant_id = \(version.assistantID)", logger: logger)
        try await connection.query("""
            INSERT INTO assistant_files (assistant_id, file_id)
            SELECT \(version.assistantID), id FROM files WHERE workspace_id = \(version.workspaceID) AND id = ANY(\(version.fileIDs))
            """, logger: logger)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [AssistantVersion] {
        var versions: [AssistantVersion] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            versions.append(AssistantVersion(
                assistantID: try value("assistant_id"), workspaceID: try value("workspace_id"), version: try value("version"),
                settings: try AssistantStore.settings(r), toolIDs: try value("tool_ids"), fileIDs: try value("file_ids"),
                createdAt: try value("created_at")))
        }
        return versions
    }
}
