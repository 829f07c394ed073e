import Foundation
import Logging
import PostgresNIO
import QueueEngine
import Synchronization

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

    /// Finds a transport's conversation and the assistant it talks as, on the connection the turn is claimed on.
    public typealias Lookup = @Sendable (PostgresConnection) async throws -> (ConversationRecord, LiveAssistant)?

    /// The conversation of a call and the assistant it talks as (both transports find it so).
    public static func call(_ callID: UUID, logger: Logger) -> Lookup {
        { connection in
            guard let conversation = try await ConversationStore.conversation(callID: callID, on: connection, logger: logger),
                  let assistant = try await LiveAssistant.of(conversation, on: connection, logger: logger)
            else { return nil }
            return (conversation, assistant)
        }
    }

    /// What a turn found before its model runs.
    enum Start: Sendable {
        /// The conversation had ended; the turn of this request key if there was one.
        case ended(ConversationTurn?)
        /// An earlier request with the same key claimed the turn.
        case existing(ConversationTurn)
        /// This request runs the turn, with what it reads.
        case claimed(ConversationTurn, history: [ConversationTurn], tools: [Tool], knowledge: [KnowledgePassage])
    }

    /// The turn of `requestKey` in the conversation `lookup` finds (nil when it finds none): run now,
    /// or as an earlier request with the same key left it. Finding the conversation, claiming the turn
    /// and reading what it needs share one connection; storing it is one short transaction.
    /// `unheard` says why words the caller spoke could not be read (speech to text failed): the turn
    /// then fails with the fallback line, which asks them to say it again. `onReply` gets the reply
    /// the moment it is known, before it is stored (a streamed call speaks its last words meanwhile).
    public func turn(requestKey: String, callerText: String?, confidence: Double?, unheard: String? = nil, logger: Logger,
                     onText: (@Sendable (String) -> Void)? = nil, onReply: (@Sendable (ConversationTurn) -> Void)? = nil,
                     lookup: @escaping Lookup) async throws -> (ConversationTurn, LiveAssistant)? {
        let said = callerText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let settings = self.settings
        let found = try await client.withConnection { connection -> (ConversationRecord, LiveAssistant, Start)? in
            guard let (conversation, assistant) = try await lookup(connection) else { return nil }
            guard conversation.status == "active" else {
                let earlier = try await ConversationStore.turn(conversationID: conversation.id, requestKey: requestKey, on: connection,
                                                               logger: logger)
                return (conversation, assistant, .ended(earlier))
            }
            let claim = try await ConversationStore.claimTurn(conversationID: conversation.id, workspaceID: conversation.workspaceID,
                                                              requestKey: requestKey, callerText: said.isEmpty ? nil : said, confidence: confidence,
                                                              on: connection, logger: logger)
            guard case .claimed(let id, let sequence) = claim else {
                guard case .existing(let turn) = claim else { preconditionFailure("a claim is claimed or existing") }
                return (conversation, assistant, .existing(turn))
            }
            let turn = ConversationTurn(id: id, conversationID: conversation.id, sequence: sequence, requestKey: requestKey,
                                        callerText: said.isEmpty ? nil : said, callerConfidence: confidence)
            let history = try await ConversationStore.history(conversationID: conversation.id, before: sequence, on: connection, logger: logger)
            guard !said.isEmpty else { return (conversation, assistant, .claimed(turn, history: history, tools: [], knowledge: [])) }
            let tools = try await assistant.tools(on: connection, logger: logger)
            let documents = try await assistant.documents(on: connection, logger: logger)
            let knowledge = try await KnowledgeStore.search(said, workspaceID: conversation.workspaceID, fileIDs: documents,
                                                            limit: settings.knowledgePassages, maximumCharacters: settings.knowledgeCharacters,
                                                            on: connection, logger: logger)
            return (conversation, assistant, .claimed(turn, history: history, tools: tools, knowledge: knowledge))
        }
        guard let (conversation, assistant, start) = found else { return nil }
        switch start {
        case .ended(let earlier?), .existing(let earlier):
            return (try await finished(earlier, conversation: conversation, logger: logger), assistant)
        case .ended(nil):
            // The call was ended by an earlier turn: anything but a repeat of that turn gets a goodbye.
            var goodbye = ConversationTurn(id: 0, conversationID: conversation.id, sequence: 0, requestKey: requestKey, callerText: nil,
                                           callerConfidence: nil)
            goodbye.assistantText = settings.goodbyeLine
            goodbye.action = .endCall
            goodbye.outcome = .noInput
            return (goodbye, assistant)
        case .claimed(let turn, let history, let tools, let knowledge):
            // What the model wrote before a transport cancelled the turn (the caller cut in) is what it stores.
            let written = WrittenText()
            var finished = await run(turn, conversation: conversation, assistant: assistant, history: history, tools: tools, knowledge: knowledge,
                                     unheard: unheard, logger: logger) { words in
                written.add(words)
                onText?(words)
            }
            // Only a streamed model turn keeps its written words; a silent or unheard one keeps its outcome.
            if Task.isCancelled, onText != nil, said.isEmpty == false, unheard == nil {
                finished.assistantText = written.text.trimmingCharacters(in: .whitespacesAndNewlines)
                finished.outcome = .ok
                finished.failureReason = nil
                finished.action = .continue
            }
            onReply?(finished)
            let stored = finished
            // Stored even when the turn was cancelled, so its row does not stay pending.
            try await Task {
                try await client.transaction(logger: logger) { connection in
                    try await ConversationBilling.store(stored, of: conversation, on: connection, logger: logger)
                    if stored.action != .continue {
                        try await ConversationStore.end(id: conversation.id, reason: stored.action.rawValue, on: connection, logger: logger)
                    }
                }
            }.value
            return (finished, assistant)
        }
    }

    /// The claimed turn's reply: the fallback line when the caller's words were not understood, a
    /// re-prompt or goodbye after a silence, else the model's answer.
    func run(_ claimed: ConversationTurn, conversation: ConversationRecord, assistant: LiveAssistant, history: [ConversationTurn], tools: [Tool],
             knowledge: [KnowledgePassage], unheard: String? = nil, logger: Logger,
             onText: (@Sendable (String) -> Void)? = nil) async -> ConversationTurn {
        let started = ContinuousClock.now
        var turn = claimed
        if let unheard {
            turn.outcome = .failed
            turn.failureReason = unheard
            turn.assistantText = settings.fallbackLine
        } else if let said = turn.callerText {
            let reply = await engine.reply(.init(assistant: assistant.settings, greeting: conversation.greeting, history: history,
                                                 callerText: said, tools: tools, knowledge: knowledge), logger: logger, onText: onText)
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
        } else {
            // One re-prompt after a silence; a second silence in a row ends the call.
            let silentBefore = history.last?.outcome == .noInput
            turn.outcome = .noInput
            turn.assistantText = silentBefore ? settings.goodbyeLine : settings.repromptLine
            turn.action = silentBefore ? .endCall : .continue
        }
        turn.latencyMS = (ContinuousClock.now - started).milliseconds
        return turn
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

/// The words a model streamed, gathered across its callbacks.
final class WrittenText: Sendable {
    private let words = Mutex("")

    var text: String { words.withLock { $0 } }
    func add(_ more: String) { words.withLock { $0 += more } }
}
