import Foundation
import Hummingbird
import Platform

/// `/api/assistants/{id}/conversations`: trying an assistant without a phone. The same core as a
/// call (prompt, tools, knowledge, model), turn by turn in text; recorded as a test conversation and
/// its tokens charged, no telephony. `version` picks a deployed version; without it the draft talks.
extension AssistantRoutes {
    struct StartBody: Decodable {
        let version: Int?
    }

    struct TurnBody: Decodable {
        let text: String
    }

    struct ConversationView: ResponseEncodable {
        let id: String
        let assistantVersion: Int?
        let greeting: String
        let status: String
        let turns: [CallRoutes.TranscriptView.Turn]

        enum CodingKeys: String, CodingKey {
            case id, greeting, status, turns
            case assistantVersion = "assistant_version"
        }
    }

    struct TurnView: ResponseEncodable {
        let reply: String
        let action: String
        let transferTo: String?
        let turn: CallRoutes.TranscriptView.Turn

        enum CodingKeys: String, CodingKey {
            case reply, action, turn
            case transferTo = "transfer_to"
        }
    }

    /// The longest text a test turn takes, as much as a caller says in a long breath and more.
    static let maximumTurnText = 4_000

    @Sendable func startConversation(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ConversationView> {
        let access = try await services.access(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let body = try await RequestBody.decode(StartBody.self, from: request, context: context, allowedKeys: ["version"])
        let engine = services.configuration.providers.conversationEngine
        let logger = services.logger
        let conversation = try await services.write { transaction in
            let connection = transaction.connection
            guard let assistant = try await AssistantStore.assistant(workspaceID: access.workspaceID, id: id, on: connection, logger: logger) else {
                throw APIError.notFound("assistant")
            }
            var settings = assistant.settings
            if let version = body.version {
                guard let frozen = try await AssistantVersionStore.version(assistantID: id, workspaceID: access.workspaceID, version: version,
                                                                           on: connection, logger: logger)
                else { throw APIError.validation(field: "version", "is not a deployed version of this assistant") }
                settings = frozen.settings
            }
            guard engine.canConverse(settings) else {
                throw APIError(.conflict, .invalidState, "no \(settings.llmProvider) language model is configured in this deployment")
            }
            let conversation = try await ConversationStore.createTest(workspaceID: access.workspaceID, assistantID: id, version: body.version,
                                                                      greeting: settings.firstMessage, on: connection, logger: logger)
            try await AuditLog.record(access.audit("assistant.conversation", "assistant", id.idString,
                                                   details: ["conversation": conversation.id.idString]), on: connection, logger: logger)
            return conversation
        }
        return EditedResponse(status: .created, response: ConversationView(
            id: conversation.id.idString, assistantVersion: conversation.assistantVersion, greeting: conversation.greeting,
            status: conversation.status, turns: []))
    }

    @Sendable func showConversation(_ request: Request, context: APIRequestContext) async throws -> ConversationView {
        let access = try await services.access(request, context, requiring: .assistantsRead)
        let (assistantID, id) = (try PathParameter.uuid(context, "assistant"), try PathParameter.uuid(context, "conversation"))
        let logger = services.logger
        return try await services.read { connection in
            guard let conversation = try await ConversationStore.testConversation(workspaceID: access.workspaceID, assistantID: assistantID, id: id,
                                                                                  on: connection, logger: logger)
            else { throw APIError.notFound("conversation") }
            let turns = try await ConversationStore.turns(conversationID: id, on: connection, logger: logger)
            return ConversationView(id: id.idString, assistantVersion: conversation.assistantVersion, greeting: conversation.greeting,
                                    status: conversation.status, turns: turns.map(CallRoutes.TranscriptView.Turn.init))
        }
    }

    /// One turn; an `Idempotency-Key` makes a repeat answer the same turn without asking the model again.
    @Sendable func conversationTurn(_ request: Request, context: APIRequestContext) async throws -> TurnView {
        let access = try await services.access(request, context, requiring: .assistantsWrite)
        let (assistantID, id) = (try PathParameter.uuid(context, "assistant"), try PathParameter.uuid(context, "conversation"))
        let body = try await RequestBody.decode(TurnBody.self, from: request, context: context, allowedKeys: ["text"])
        let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= Self.maximumTurnText else {
            throw APIError.validation(field: "text", "must be 1 to \(Self.maximumTurnText) characters")
        }
        let key = request.headers[.idempotencyKey].map { "api:\($0)" } ?? "api:\(UUID().uuidString)"
        guard key.count <= 200 else { throw APIError.validation(field: "Idempotency-Key", "must be at most 195 characters") }
        let logger = services.logger
        let found = try await services.read { connection -> (ConversationRecord, LiveAssistant)? in
            guard let conversation = try await ConversationStore.testConversation(workspaceID: access.workspaceID, assistantID: assistantID, id: id,
                                                                                  on: connection, logger: logger),
                  let assistant = try await LiveAssistant.of(conversation, on: connection, logger: logger)
            else { return nil }
            return (conversation, assistant)
        }
        guard let found else { throw APIError.notFound("conversation") }
        let service = ConversationService(client: services.client, engine: services.configuration.providers.conversationEngine)
        let turn = try await service.turn(found.0, assistant: found.1, requestKey: key, callerText: text, confidence: nil, logger: logger)
        return TurnView(reply: turn.assistantText, action: turn.action.rawValue, transferTo: turn.transferTo, turn: .init(turn))
    }
}
