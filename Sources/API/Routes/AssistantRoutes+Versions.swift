import Foundation
import Hummingbird
import Platform

/// `/api/assistants/{id}/versions`: what each deploy froze, and rollback, which makes a version's
/// settings, tools and documents the draft again and deploys them as the next version.
extension AssistantRoutes {
    struct VersionView: Encodable {
        let version: Int
        let createdAt: Date
        let settings: SettingsView
        let toolIDs: [String]
        let fileIDs: [String]

        enum CodingKeys: String, CodingKey {
            case version, settings
            case createdAt = "created_at", toolIDs = "tool_ids", fileIDs = "file_ids"
        }

        init(_ frozen: AssistantVersion) {
            version = frozen.version
            createdAt = frozen.createdAt
            settings = SettingsView(frozen.settings)
            toolIDs = frozen.toolIDs.map(\.idString)
            fileIDs = frozen.fileIDs.map(\.idString)
        }
    }

    /// The settings as the assistant's answer names them.
    struct SettingsView: Encodable {
        let settings: AssistantSettings
        init(_ settings: AssistantSettings) { self.settings = settings }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: SettingsBody.CodingKeys.self)
            let s = settings
            try container.encode(s.name, forKey: .name)
            try container.encode(s.description, forKey: .description)
            try container.encode(s.llmProvider, forKey: .llmProvider)
            try container.encode(s.llmModel, forKey: .llmModel)
            try container.encode(s.systemPrompt, forKey: .systemPrompt)
            try container.encode(s.firstMessage, forKey: .firstMessage)
            try container.encode(s.temperature, forKey: .temperature)
            try container.encode(s.maxTokens, forKey: .maxTokens)
            try container.encode(s.language, forKey: .language)
            try container.encode(s.voiceProvider, forKey: .voiceProvider)
            try container.encode(s.voiceID, forKey: .voiceID)
            try container.encode(s.interruptionSensitivity, forKey: .interruptionSensitivity)
            try container.encode(s.silenceTimeoutMS, forKey: .silenceTimeoutMS)
            try container.encode(s.responseDelayMS, forKey: .responseDelayMS)
            try container.encode(s.recordCalls, forKey: .recordCalls)
            try container.encodeIfPresent(s.transferNumber, forKey: .transferNumber)
        }
    }

    struct VersionsView: ResponseEncodable {
        let data: [VersionView]
    }

    /// Newest first.
    @Sendable func versions(_ request: Request, context: APIRequestContext) async throws -> VersionsView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        return VersionsView(data: try await database.read { connection in
            try await requireAssistant(id, access, on: connection)
            return try await AssistantVersionStore.list(assistantID: id, workspaceID: access.workspaceID, on: connection, logger: logger)
        }.map(VersionView.init))
    }

    /// Deploys what `version` froze as the next version; calls in progress keep the version they started with.
    @Sendable func rollback(_ request: Request, context: APIRequestContext) async throws -> AssistantView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        guard let number = context.parameters.get("version").flatMap({ Int($0) }), number >= 1 else {
            throw APIError.validation(field: "version", "must be a version number")
        }
        let logger = database.logger
        let record = try await database.write { transaction in
            let connection = transaction.connection
            try await requireAssistant(id, access, on: connection)
            guard let frozen = try await AssistantVersionStore.version(assistantID: id, workspaceID: access.workspaceID, version: number,
                                                                       on: connection, logger: logger)
            else { throw APIError.notFound("version") }
            try await AssistantVersionStore.restore(frozen, on: connection, logger: logger)
            guard let record = try await AssistantStore.deploy(workspaceID: access.workspaceID, id: id, on: connection, logger: logger) else {
                throw APIError.notFound("assistant")
            }
            try await AuditLog.record(access.audit("assistant.rollback", "assistant", id.idString,
                                                   details: ["from": String(number), "version": String(record.version)]),
                                      on: connection, logger: logger)
            return record
        }
        return AssistantView(record)
    }
}
