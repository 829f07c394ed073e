import Foundation
import Logging
import PostgresNIO

/// Trying an assistant without a phone: a text conversation with its draft or a deployed version
/// through the same core as a call (prompt, tools, knowledge, model), recorded as a test
/// conversation with its tokens charged. The API's routes and the dashboard's chat panel share it.
public struct TestConversations: Sendable {
    public enum Refusal: Error, Sendable {
        case assistantNotFound
        case conversationNotFound
        case versionNotDeployed
        /// The deployment configures no model of the assistant's provider.
        case noModel(provider: String)
    }

    let client: PostgresClient
    let engine: ConversationEngine

    public init(client: PostgresClient, engine: ConversationEngine) {
        self.client = client
        self.engine = engine
    }

    /// Starts a conversation with `version` (nil: the draft); `audit` is recorded with it.
    public func start(workspaceID: UUID, assistantID: UUID, version: Int?, audit: @escaping @Sendable (ConversationRecord) -> AuditEntry,
                      logger: Logger) async throws -> ConversationRecord {
        let engine = self.engine
        return try await client.transaction(logger: logger) { connection in
            guard let assistant = try await AssistantStore.assistant(workspaceID: workspaceID, id: assistantID, on: connection, logger: logger)
            else { throw Refusal.assistantNotFound }
            var settings = assistant.settings
            if let version {
                guard let frozen = try await AssistantVersionStore.version(assistantID: assistantID, workspaceID: workspaceID, version: version,
                                                                           on: connection, logger: logger)
                else { throw Refusal.versionNotDeployed }
                settings = frozen.settings
            }
            guard engine.canConverse(settings) else { throw Refusal.noModel(provider: settings.llmProvider) }
            let conversation = try await ConversationStore.createTest(workspaceID: workspaceID, assistantID: assistantID, version: version,
                                                                      greeting: settings.firstMessage, on: connection, logger: logger)
            try await AuditLog.record(audit(conversation), on: connection, logger: logger)
            return conversation
        }
    }

    /// The conversation and its finished turns.
    public func transcript(workspaceID: UUID, assistantID: UUID, id: UUID,
                           logger: Logger) async throws -> (ConversationRecord, [ConversationTurn]) {
        try await client.withConnection { connection in
            guard let conversation = try await ConversationStore.testConversation(workspaceID: workspaceID, assistantID: assistantID, id: id,
                                                                                  on: connection, logger: logger)
            else { throw Refusal.conversationNotFound }
            return (conversation, try await ConversationStore.turns(conversationID: id, on: connection, logger: logger))
        }
    }

    /// One turn; the same `requestKey` answers the same turn without asking the model again.
    public func turn(workspaceID: UUID, assistantID: UUID, id: UUID, text: String, requestKey: String,
                     logger: Logger) async throws -> ConversationTurn {
        let service = ConversationService(client: client, engine: engine)
        let answer = try await service.turn(requestKey: requestKey, callerText: text, confidence: nil, logger: logger) { connection in
            guard let conversation = try await ConversationStore.testConversation(workspaceID: workspaceID, assistantID: assistantID, id: id,
                                                                                  on: connection, logger: logger),
                  let assistant = try await LiveAssistant.of(conversation, on: connection, logger: logger)
            else { return nil }
            return (conversation, assistant)
        }
        guard let (turn, _) = answer else { throw Refusal.conversationNotFound }
        return turn
    }
}
