import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// Runs the turns of a conversation for a transport (the Gather webhook today): each request key
/// runs its model once, however often the transport repeats the request, and its tokens are charged
/// once (`ConversationBilling`: a call's when it ends). No database connection is held while the
/// model or a tool is working.
public struct ConversationService: Sendable {
    let client: PostgresClient
    let engine: ConversationEngine

    public init(client: PostgresClient, engine: ConversationEngine) {
        self.client = client
        self.engine = engine
    }

    public var settings: ConversationSettings { engine.settings }

    /// The turn of `requestKey`: run now, or as an earlier request with the same key left it.
    public func turn(_ conversation: ConversationRecord, assistant: LiveAssistant, requestKey: String, callerText: String?, confidence: Double?,
                     logger: Logger) async throws -> ConversationTurn {
        let said = callerText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if conversation.status != "active" {
            // The call was ended by an earlier turn: a repeat of that turn gets it again, anything else a goodbye.
            let earlier = try await client.withConnection { connection in
                try await ConversationStore.turn(conversationID: conversation.id, requestKey: requestKey, on: connection, logger: logger)
            }
            if let earlier { return try await finished(earlier, conversation: conversation, logger: logger) }
            var goodbye = ConversationTurn(id: 0, conversationID: conversation.id, sequence: 0, requestKey: requestKey, callerText: nil,
                                           callerConfidence: nil)
            goodbye.assistantText = settings.goodbyeLine
            goodbye.action = .endCall
            goodbye.outcome = .noInput
            return goodbye
        }
        let claim = try await client.transaction(logger: logger) { connection in
            try await ConversationStore.claimTurn(conversationID: conversation.id, workspaceID: conversation.workspaceID, requestKey: requestKey,
                                                  callerText: said.isEmpty ? nil : said, confidence: confidence, on: connection, logger: logger)
        }
        switch claim {
        case .existing(let turn):
            return try await finished(turn, conversation: conversation, logger: logger)
        case .claimed(let id, let sequence):
            // What the turn reads, on one connection: the turns before it and, when the caller spoke, the
            // assistant's tools and the passages of its documents that match.
            let settings = self.settings
            let started = ContinuousClock.now
            let (history, tools, knowledge) = try await client.withConnection { connection in
                let history = try await ConversationStore.turns(conversationID: conversation.id, on: connection, logger: logger)
                    .filter { $0.sequence < sequence }
                guard !said.isEmpty else { return (history, [Tool](), [KnowledgePassage]()) }
                let tools = try await assistant.tools(on: connection, logger: logger)
                let documents = try await assistant.documents(on: connection, logger: logger)
                let knowledge = try await KnowledgeStore.search(said, workspaceID: conversation.workspaceID, fileIDs: documents,
                                                                limit: settings.knowledgePassages, maximumCharacters: settings.knowledgeCharacters,
                                                                on: connection, logger: logger)
                return (history, tools, knowledge)
            }
            var turn = ConversationTurn(id: id, conversationID: conversation.id, sequence: sequence, requestKey: requestKey,
                                        callerText: said.isEmpty ? nil : said, callerConfidence: confidence)
            if said.isEmpty {
                // One re-prompt after a silence; a second silence in a row ends the call.
                let silentBefore = history.last?.outcome == .noInput
                turn.outcome = .noInput
                turn.assistantText = silentBefore ? settings.goodbyeLine : settings.repromptLine
                turn.action = silentBefore ? .endCall : .continue
            } else {
                let reply = await engine.reply(.init(assistant: assistant.settings, greeting: conversation.greeting, history: history,
                                                     callerText: said, tools: tools, knowledge: knowledge), logger: logger)
                turn.assistantText = reply.text
                turn.action = reply.action
                turn.transferTo = reply.transferTo
                turn.toolCalls = .array(reply.toolCalls)
                turn.provider = reply.provider
                turn.model = reply.model
                turn.modelRounds = reply.rounds
                turn.inputTokens = reply.inputTokens
                turn.outputTokens = reply.outputTokens
                turn.firstTokenMS = reply.firstTokenMS
                turn.outcome = reply.failure == nil ? .ok : .failed
                turn.failureReason = reply.failure.map { "\($0.code): \($0)" }
                turn.cost = settings.cost(inputTokens: reply.inputTokens, outputTokens: reply.outputTokens)
            }
            turn.latencyMS = (ContinuousClock.now - started).milliseconds
            let finished = turn
            try await client.transaction(logger: logger) { connection in
                try await ConversationBilling.charge(finished, of: conversation, on: connection, logger: logger)
                try await ConversationStore.complete(finished, on: connection, logger: logger)
                if finished.action != .continue {
                    try await ConversationStore.end(id: conversation.id, reason: finished.action.rawValue, on: connection, logger: logger)
                }
            }
            return finished
        }
    }

    /// A repeated request's turn: waits while the first request is still running it, up to the turn's
    /// deadline; a turn that never finishes (its process died) is answered with the fallback line.
    func finished(_ turn: ConversationTurn, conversation: ConversationRecord, logger: Logger) async throws -> ConversationTurn {
        var turn = turn
        let deadline = ContinuousClock.now + settings.turnDeadline
        while turn.outcome == .pending, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let key = turn.requestKey
            turn = try await client.withConnection { connection in
                try await ConversationStore.turn(conversationID: conversation.id, requestKey: key, on: connection, logger: logger)
            } ?? turn
        }
        if turn.outcome == .pending {
            turn.assistantText = settings.fallbackLine
            turn.outcome = .failed
            turn.failureReason = "the first request of this turn did not finish"
        }
        return turn
    }
}
