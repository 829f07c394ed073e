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
    }

    struct TurnView: ResponseEncodable {
        let reply: String
        let action: String
        let transferTo: String?
        let turn: CallRoutes.TranscriptView.Turn
    }

    /// The longest text a test turn takes, as much as a caller says in a long breath and more.
    static let maximumTurnText = 4_000

    /// The API's answer to a refusal of the test-conversation service.
    static func apiError(_ refusal: TestConversations.Refusal) -> APIError {
        switch refusal {
        case .assistantNotFound: APIError.notFound("assistant")
        case .conversationNotFound: APIError.notFound("conversation")
        case .versionNotDeployed: APIError.validation(field: "version", "is not a deployed version of this assistant")
        case .noModel(let provider): APIError(.conflict, .invalidState, "no \(provider) language model is configured in this deployment")
        }
    }

    /// Runs `body`, answering a refusal as the API's error.
    static func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as TestConversations.Refusal {
            throw apiError(refusal)
        }
    }

    @Sendable func startConversation(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ConversationView> {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let id = try PathParameter.uuid(context, "assistant")
        let body = try await RequestBody.decode(StartBody.self, from: request, context: context, allowedKeys: ["version"])
        let conversation = try await Self.refusing {
            try await conversations.start(workspaceID: access.workspaceID, assistantID: id, version: body.version,
                                                       audit: { conversation in
                access.audit("assistant.conversation", "assistant", id.idString, details: ["conversation": conversation.id.idString])
            }, logger: database.logger)
        }
        return EditedResponse(status: .created, response: ConversationView(
            id: conversation.id.idString, assistantVersion: conversation.assistantVersion, greeting: conversation.greeting,
            status: conversation.status, turns: []))
    }

    @Sendable func showConversation(_ request: Request, context: APIRequestContext) async throws -> ConversationView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsRead)
        let (assistantID, id) = (try PathParameter.uuid(context, "assistant"), try PathParameter.uuid(context, "conversation"))
        let (conversation, turns) = try await Self.refusing {
            try await conversations.transcript(workspaceID: access.workspaceID, assistantID: assistantID, id: id,
                                                            logger: database.logger)
        }
        return ConversationView(id: id.idString, assistantVersion: conversation.assistantVersion, greeting: conversation.greeting,
                                status: conversation.status, turns: turns.map(CallRoutes.TranscriptView.Turn.init))
    }

    /// One turn; an `Idempotency-Key` makes a repeat answer the same turn without asking the model again.
    @Sendable func conversationTurn(_ request: Request, context: APIRequestContext) async throws -> TurnView {
        let access = try await accessControl.admit(request, context, requiring: .assistantsWrite)
        let (assistantID, id) = (try PathParameter.uuid(context, "assistant"), try PathParameter.uuid(context, "conversation"))
        let body = try await RequestBody.decode(TurnBody.self, from: request, context: context, allowedKeys: ["text"])
        let text = try Self.turnText(body.text)
        let key = request.headers[.idempotencyKey].map { "api:\($0)" } ?? "api:\(UUID().uuidString)"
        guard key.count <= 200 else { throw APIError.validation(field: "Idempotency-Key", "must be at most 195 characters") }
        let turn = try await Self.refusing {
            try await conversations.turn(workspaceID: access.workspaceID, assistantID: assistantID, id: id, text: text, requestKey: key,
                                             logger: database.logger)
        }
        return TurnView(reply: turn.assistantText, action: turn.action.rawValue, transferTo: turn.transferTo, turn: .init(turn))
    }

    /// What a tester typed, trimmed; 1 to `maximumTurnText` characters.
    static func turnText(_ text: String) throws -> String {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= maximumTurnText else {
            throw APIError.validation(field: "text", "must be 1 to \(maximumTurnText) characters")
        }
        return text
    }
}
