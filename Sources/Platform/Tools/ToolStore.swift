import Foundation
import Logging
import PostgresNIO
import ServerSupport

/// A workspace's tools and the log of their calls. Every query names the workspace, so an id of
/// another workspace finds nothing.
public enum ToolStore {
    static let columns = """
        id, workspace_id, name, description, category, method, url, parameters::text, auth_type, auth_settings::text,
        auth_secret_sealed, timeout_ms, response_fields, response_max_bytes, enabled, created_at, updated_at
        """

    /// Another tool of the workspace has the name.
    public struct NameTaken: Error {}

    public static func create(_ tool: Tool, createdBy: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> Tool {
        let rows = try await connection.query("""
            INSERT INTO tools (id, workspace_id, name, description, category, method, url, parameters, auth_type, auth_settings,
                               auth_secret_sealed, timeout_ms, response_fields, response_max_bytes, enabled, created_by)
            VALUES (\(tool.id), \(tool.workspaceID), \(tool.name), \(tool.description), \(tool.category.rawValue), \(tool.method.rawValue),
                    \(tool.url), \(tool.parameters.text)::jsonb, \(tool.authType),
                    \(JSONValue.object(tool.authSettings.mapValues { .string($0) }).text)::jsonb,
                    \(tool.authSecretSealed), \(tool.timeout.milliseconds), \(tool.responseFields), \(tool.responseMaxBytes), \(tool.enabled),
                    \(createdBy))
            ON CONFLICT (workspace_id, name) DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let created = try await decode(rows).first else { throw NameTaken() }
        return created
    }

    public static func tool(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Tool? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM tools WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)
        return try await decode(rows).first
    }

    /// The workspace's tools among `ids`, by name.
    public static func tools(workspaceID: UUID, ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [Tool] {
        try await decode(try await connection.query(
            "SELECT \(unescaped: columns) FROM tools WHERE workspace_id = \(workspaceID) AND id = ANY(\(ids)) ORDER BY name", logger: logger))
    }

    /// Newest first; `before` is the (created_at, id) of the last item of the previous page.
    public static func list(workspaceID: UUID, category: Tool.Category?, before: (Date, UUID)?, limit: Int, on connection: PostgresConnection,
                            logger: Logger) async throws -> [Tool] {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM tools
            WHERE workspace_id = \(workspaceID) AND (\(category?.rawValue)::text IS NULL OR category = \(category?.rawValue))
              AND (\(before?.0)::timestamptz IS NULL OR (created_at, id) < (\(before?.0), \(before?.1)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    /// Saves every field of `tool` (a changed copy of a stored one).
    public static func update(_ tool: Tool, on connection: PostgresConnection, logger: Logger) async throws -> Tool? {
        let rows = try await connection.query("""
            UPDATE tools SET name = \(tool.name), description = \(tool.description), category = \(tool.category.rawValue),
                method = \(tool.method.rawValue), url = \(tool.url), parameters = \(tool.parameters.text)::jsonb, auth_type = \(tool.authType),
                auth_settings = \(JSONValue.object(tool.authSettings.mapValues { .string($0) }).text)::jsonb,
                auth_secret_sealed = \(tool.authSecretSealed), timeout_ms = \(tool.timeout.milliseconds),
                response_fields = \(tool.responseFields), response_max_bytes = \(tool.responseMaxBytes), enabled = \(tool.enabled),
                updated_at = now()
            WHERE workspace_id = \(tool.workspaceID) AND id = \(tool.id)
              AND NOT EXISTS (SELECT 1 FROM tools o WHERE o.workspace_id = \(tool.workspaceID) AND o.name = \(tool.name) AND o.id <> \(tool.id))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first
    }

    public static func delete(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("DELETE FROM tools WHERE workspace_id = \(workspaceID) AND id = \(id) RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Logs one invocation for the usage figures.
    public static func record(_ call: ToolCallRecord, tool: Tool, jobID: Int64?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO tool_calls (tool_id, workspace_id, job_id, source, outcome, status_code, latency_ms, response_bytes, error)
            VALUES (\(tool.id), \(tool.workspaceID), \(jobID), \(jobID == nil ? "test" : "job"), \(call.outcome.rawValue), \(call.status),
                    \(call.latencyMS), \(call.bytes), \(call.error.map { String($0.prefix(1_000)) }))
            """, logger: logger)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Tool] {
        var tools: [Tool] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            let settings = JSONValue(text: try value("auth_settings")).object?.compactMapValues(\.string) ?? [:]
            tools.append(Tool(
                id: try value("id"), workspaceID: try value("workspace_id"), name: try value("name"), description: try value("description"),
                category: Tool.Category(rawValue: try value("category")) ?? .api, method: Tool.Method(rawValue: try value("method")) ?? .POST,
                url: try value("url"), parameters: JSONValue(text: try value("parameters")), authType: try value("auth_type"),
                authSettings: settings, authSecretSealed: try value("auth_secret_sealed", String?.self),
                timeout: .milliseconds(try value("timeout_ms", Int.self)), responseFields: try value("response_fields"),
                responseMaxBytes: try value("response_max_bytes"), enabled: try value("enabled"), createdAt: try value("created_at"),
                updatedAt: try value("updated_at")))
        }
        return tools
    }
}
