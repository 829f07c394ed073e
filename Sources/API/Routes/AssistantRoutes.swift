import Foundation
import Hummingbird
import Platform
import ServerSupport

/// `/api/assistants`: an assistant's settings (checked by `AssistantSettings`), and deploy, which
/// makes the current settings the live version that calls use.
struct AssistantRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let conversations: TestConversations

    /// Every field optional: a create starts from the defaults, an update from the stored settings.
    struct SettingsBody: Decodable {
        var name: String?
        var description: String?
        var llmProvider: String?
        var llmModel: String?
        var systemPrompt: String?
        var firstMessage: String?
        var temperature: Double?
        var maxTokens: Int?
        var language: String?
        var voiceProvider: String?
        var voiceID: String?
        var interruptionSensitivity: Double?
        var silenceTimeoutMS: Int?
        var responseDelayMS: Int?
        var recordCalls: Bool?
        /// An empty string removes the number (and with it the `transfer_call` tool).
        var transferNumber: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, description, temperature, language
            case llmProvider = "llm_provider", llmModel = "llm_model", systemPrompt = "system_prompt", firstMessage = "first_message"
            case maxTokens = "max_tokens", voiceProvider = "voice_provider", voiceID = "voice_id"
            case interruptionSensitivity = "interruption_sensitivity", silenceTimeoutMS = "silence_timeout_ms"
            case responseDelayMS = "response_delay_ms", recordCalls = "record_calls", transferNumber = "transfer_number"
        }

        func applied(to base: AssistantSettings) -> AssistantSettings {
            var s = base
            if let name { s.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description { s.description = description }
            if let llmProvider { s.llmProvider = llmProvider }
            if let llmModel { s.llmModel = llmModel }
            if let systemPrompt { s.systemPrompt = systemPrompt }
            if let firstMessage { s.firstMessage = firstMessage }
            if let temperature { s.temperature = temperature }
            if let maxTokens { s.maxTokens = maxTokens }
            if let language { s.language = language }
            if let voiceProvider { s.voiceProvider = voiceProvider }
            if let voiceID { s.voiceID = voiceID }
            if let interruptionSensitivity { s.interruptionSensitivity = interruptionSensitivity }
            if let silenceTimeoutMS { s.silenceTimeoutMS = silenceTimeoutMS }
            if let responseDelayMS { s.responseDelayMS = responseDelayMS }
            if let recordCalls { s.recordCalls = recordCalls }
            if let transferNumber { s.transferNumber = transferNumber.isEmpty ? nil : transferNumber }
            return s
        }
    }

    struct AssistantView: ResponseEncodable {
        let id: String
        let name: String
        let description: String
        let llmProvider: String
        let llmModel: String
        let systemPrompt: String
        let firstMessage: String
        let temperature: Double
        let maxTokens: Int
        let language: String
        let voiceProvider: String
        let voiceID: String
        let interruptionSensitivity: Double
        let silenceTimeoutMS: Int
        let responseDelayMS: Int
        let recordCalls: Bool
        let transferNumber: String?
        let status: String
        let version: Int
        let deployedAt: Date?
        let createdAt: Date
        let updatedAt: Date

        init(_ record: AssistantRecord) {
            let s = record.settings
            id = record.id.idString
            name = s.name
            description = s.description
            llmProvider = s.llmProvider
            llmModel = s.llmModel
            systemPrompt = s.systemPrompt
            firstMessage = s.firstMessage
            temperature = s.temperature
            maxTokens = s.maxTokens
            language = s.language
            voiceProvider = s.voiceProvider
            voiceID = s.voiceID
            interruptionSensitivity = s.interruptionSensitivity
            silenceTimeoutMS = s.silenceTimeoutMS
            responseDelayMS = s.responseDelayMS
            recordCalls = s.recordCalls
            transferNumber = s.transferNumber
            status = record.status
            version = record.version
            deployedAt = record.deployedAt
            createdAt = record.createdAt
            updatedAt = record.updatedAt
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/assistants", use: list)
        router.post("api/assistants", use: create)
        router.get("api/assistants/:assistant", use: show)
        router.put("api/assistants/:assistant", use: update)
        router.delete("api/assistants/:assistant", use: delete)
        router.post("api/assistants/:assistant/deploy", use: deploy)
        router.get("api/assistants/:assistant/tools", use: tools)
        router.put("api/assistants/:assistant/tools", use: setTools)
        router.get("api/assistants/:assistant/files", use: files)
        router.put("api/assistants/:assistant/files", use: setFiles)
        router.get("api/assistants/:assistant/versions", use: versions)
        router.post("api/assistants/:assistant/versions/:version/rollback", use: rollback)
        router.post("api/assistants/:assistant/conversations", use: startConversation)
        router.get("api/assistants/:assistant/conversations/:conversation", use: showConversation)
        router.post("api/assistants/:assistant/conversations/:conversation/turns", use: conversationTurn)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Page<AssistantView> {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let limit = try Validation.limit(request.uri.queryParameters["limit"].map(String.init))
        let before = try request.uri.queryParameters["cursor"].map { try TimeCursor.parse(String($0)) }
        let logger = database.logger
        let records = try await database.read {
            try await AssistantStore.list(workspaceID: access.workspaceID, before: before, limit: limit, on: $0, logger: logger)
        }
        return Page(records, limit: limit, cursor: { TimeCursor.make($0.createdAt, $0.id) }, item: AssistantView.init)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<AssistantView> {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let body = try await Self.decode(request, context)
        let settings = try Self.checked(body.applied(to: .defaults(name: "")))
        let logger = database.logger
        let record = try await database.write { transaction in
            let record = try await AssistantStore.create(workspaceID: access.workspaceID, settings: settings,
                                                         on: transaction.connection, logger: logger)
            try await AuditLog.record(access.audit("assistant.create", "assistant", record.id.idString, details: ["name": settings.name]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return EditedResponse(status: .created, response: AssistantView(record))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> AssistantView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        guard let record = try await database.read({ try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id,
                                                                                        on: $0, logger: logger) }) else {
            throw APIError.notFound("assistant")
        }
        return AssistantView(record)
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> AssistantView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let body = try await Self.decode(request, context)
        let logger = database.logger
        let record = try await database.write { transaction in
            guard let current = try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id, on: transaction.connection,
                                                                   logger: logger) else {
                throw APIError.notFound("assistant")
            }
            let settings = try Self.checked(body.applied(to: current.settings))
            guard let record = try await AssistantStore.update(workspaceID: access.workspaceID, id: id, settings: settings,
                                                               on: transaction.connection, logger: logger)
            else { throw APIError.notFound("assistant") }
            let changed = Self.changedFields(from: current.settings, to: settings)
            try await AuditLog.record(access.audit("assistant.update", "assistant", id.idString, details: ["fields": changed.joined(separator: " ")]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return AssistantView(record)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        try await database.write { transaction in
            guard try await AssistantStore.delete(workspaceID: access.workspaceID, id: id, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("assistant")
            }
            try await AuditLog.record(access.audit("assistant.delete", "assistant", id.idString), on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    @Sendable func deploy(_ request: Request, context: APIRequestContext) async throws -> AssistantView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let logger = database.logger
        let record = try await database.write { transaction in
            guard let current = try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id, on: transaction.connection,
                                                                   logger: logger) else {
                throw APIError.notFound("assistant")
            }
            // Live calls need something to say and a model to say it with.
            if current.settings.systemPrompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw APIError.validation(field: "system_prompt", "must be set before the assistant is deployed")
            }
            guard let record = try await AssistantStore.deploy(workspaceID: access.workspaceID, id: id, on: transaction.connection,
                                                               logger: logger) else {
                throw APIError.notFound("assistant")
            }
            try await AuditLog.record(access.audit("assistant.deploy", "assistant", id.idString, details: ["version": String(record.version)]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return AssistantView(record)
    }

    static func decode(_ request: Request, _ context: APIRequestContext) async throws -> SettingsBody {
        try await RequestBody.decode(SettingsBody.self, from: request, context: context,
                                     allowedKeys: Set(SettingsBody.CodingKeys.allCases.map(\.rawValue)))
    }

    static func checked(_ settings: AssistantSettings) throws -> AssistantSettings {
        if let (field, problem) = settings.problem() { throw APIError.validation(field: field, problem) }
        return settings
    }

    /// The settings that differ, by name, for the audit row (values stay out: prompts can be long).
    static func changedFields(from old: AssistantSettings, to new: AssistantSettings) -> [String] {
        func fields(_ settings: AssistantSettings) -> [String: JSONValue] {
            guard let data = try? JSONEncoder().encode(settings),
                  case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
            return object
        }
        let before = fields(old)
        return fields(new).filter { before[$0.key] != $0.value }.keys.sorted()
    }
}
