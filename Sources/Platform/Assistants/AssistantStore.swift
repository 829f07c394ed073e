import Foundation
import Logging
import PostgresNIO

/// Assistants of a workspace. Every query names the workspace, so an id of another workspace finds
/// nothing.
public enum AssistantStore {
    static let columns = """
        id, workspace_id, name, description, llm_provider, llm_model, system_prompt, first_message, temperature,
        max_tokens, language, voice_provider, voice_id, interruption_sensitivity, silence_timeout_ms,
        response_delay_ms, record_calls, transfer_number, status, version, deployed_at, created_at, updated_at
        """

    public static func create(workspaceID: UUID, settings s: AssistantSettings, on connection: PostgresConnection,
                              logger: Logger) async throws -> AssistantRecord {
        let rows = try await connection.query("""
            INSERT INTO assistants (workspace_id, name, description, llm_provider, llm_model, system_prompt, first_message,
                temperature, max_tokens, language, voice_provider, voice_id, interruption_sensitivity, silence_timeout_ms,
                response_delay_ms, record_calls, transfer_number)
            VALUES (\(workspaceID), \(s.name), \(s.description), \(s.llmProvider), \(s.llmModel), \(s.systemPrompt), \(s.firstMessage),
                \(s.temperature), \(s.maxTokens), \(s.language), \(s.voiceProvider), \(s.voiceID), \(s.interruptionSensitivity),
                \(s.silenceTimeoutMS), \(s.responseDelayMS), \(s.recordCalls), \(s.transferNumber))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let record = try await decode(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return record
    }

    public static func assistant(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> AssistantRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM assistants WHERE workspace_id = \(workspaceID) AND id = \(id)", logger: logger)
        return try await decode(rows).first
    }

    /// Newest first; `before` is the (created_at, id) of the last item of the previous page.
    public static func list(workspaceID: UUID, before: (Date, UUID)?, limit: Int, on connection: PostgresConnection,
                            logger: Logger) async throws -> [AssistantRecord] {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM assistants
            WHERE workspace_id = \(workspaceID)
              AND (\(before?.0)::timestamptz IS NULL OR (created_at, id) < (\(before?.0), \(before?.1)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    /// Replaces the settings; a deployed assistant stays deployed with its version until redeployed.
    public static func update(workspaceID: UUID, id: UUID, settings s: AssistantSettings, on connection: PostgresConnection,
                              logger: Logger) async throws -> AssistantRecord? {
        let rows = try await connection.query("""
            UPDATE assistants SET name = \(s.name), description = \(s.description), llm_provider = \(s.llmProvider),
                llm_model = \(s.llmModel), system_prompt = \(s.systemPrompt), first_message = \(s.firstMessage),
                temperature = \(s.temperature), max_tokens = \(s.maxTokens), language = \(s.language),
                voice_provider = \(s.voiceProvider), voice_id = \(s.voiceID), interruption_sensitivity = \(s.interruptionSensitivity),
                silence_timeout_ms = \(s.silenceTimeoutMS), response_delay_ms = \(s.responseDelayMS), record_calls = \(s.recordCalls),
                transfer_number = \(s.transferNumber), updated_at = now()
            WHERE workspace_id = \(workspaceID) AND id = \(id)
            RETURNING \(unescaped: columns)
            """, logger: logger)
        return try await decode(rows).first
    }

    /// Freezes the current settings, tools and knowledge as the next version and makes it live.
    public static func deploy(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> AssistantRecord? {
        let rows = try await connection.query("""
            UPDATE assistants SET status = 'deployed', version = version + 1, deployed_at = now(), updated_at = now()
            WHERE workspace_id = \(workspaceID) AND id = \(id)
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let record = try await decode(rows).first else { return nil }
        try await AssistantVersionStore.freeze(assistantID: id, version: record.version, on: connection, logger: logger)
        return record
    }

    /// Deletes the assistant; its phone numbers stay, unbound.
    public static func delete(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM assistants WHERE workspace_id = \(workspaceID) AND id = \(id) RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [AssistantRecord] {
        var records: [AssistantRecord] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
            records.append(AssistantRecord(
                id: try value("id"), workspaceID: try value("workspace_id"), settings: try settings(r), status: try value("status"),
                version: try value("version"), deployedAt: try value("deployed_at", Date?.self), createdAt: try value("created_at"),
                updatedAt: try value("updated_at")))
        }
        return records
    }

    /// The settings columns of a row (`assistants` or `assistant_versions`).
    static func settings(_ r: PostgresRandomAccessRow) throws -> AssistantSettings {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try r[name].decode(T.self, context: .default) }
        return AssistantSettings(
            name: try value("name"), description: try value("description"), llmProvider: try value("llm_provider"),
            llmModel: try value("llm_model"), systemPrompt: try value("system_prompt"), firstMessage: try value("first_message"),
            temperature: try value("temperature"), maxTokens: try value("max_tokens"), language: try value("language"),
            voiceProvider: try value("voice_provider"), voiceID: try value("voice_id"),
            interruptionSensitivity: try value("interruption_sensitivity"), silenceTimeoutMS: try value("silence_timeout_ms"),
            responseDelayMS: try value("response_delay_ms"), recordCalls: try value("record_calls"),
            transferNumber: try value("transfer_number"))
    }
}
