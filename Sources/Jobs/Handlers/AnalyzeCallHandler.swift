import Foundation
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine

/// Runs `AnalyzeCallJob` (its arguments and defaults are defined in Platform, for producers).
public struct AnalyzeCallHandler: JobHandler {
    public typealias Definition = AnalyzeCallJob
    public typealias Args = AnalyzeCallJob.Args

    /// The analysis reads a whole transcript: it may take longer than a live turn.
    static let minimumTimeout: Duration = .seconds(60)

    struct Result: Codable {
        let sentiment: String
        let tokens: Int
    }

    /// The model answered something that is not the analysis asked for; another attempt may do better.
    struct UnreadableAnalysis: Error, CustomStringConvertible {
        var description: String { "the model's answer is not the JSON analysis asked for" }
    }

    let client: PostgresClient
    let models: LanguageModels
    let settings: ConversationSettings

    public init(client: PostgresClient, models: LanguageModels, settings: ConversationSettings) {
        self.client = client
        self.models = models
        self.settings = settings
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let loaded = try await client.withConnection { connection -> (ConversationRecord, LiveAssistant?, [ConversationTurn], Bool)? in
            guard let conversation = try await ConversationStore.conversation(callID: args.callID, on: connection, logger: logger) else { return nil }
            return (conversation, try await LiveAssistant.of(conversation, on: connection, logger: logger),
                    try await ConversationStore.turns(conversationID: conversation.id, on: connection, logger: logger),
                    try await CallAnalysis.load(conversationID: conversation.id, on: connection, logger: logger) != nil)
        }
        guard let loaded else { return .discard(reason: "call \(args.callID) has no conversation") }
        let (conversation, assistant, turns, analysed) = loaded
        if analysed { return .success }
        guard turns.contains(where: { $0.callerText != nil }) else { return .discard(reason: "the caller said nothing to analyse") }
        guard let assistant else { return .discard(reason: "the call's assistant no longer exists") }
        guard let model = models.model(for: assistant.settings.llmProvider) else {
            return .discard(reason: ChatFailure.notConfigured(provider: assistant.settings.llmProvider).description)
        }
        let request = CallAnalysis.request(model: assistant.settings.llmModel, greeting: conversation.greeting, turns: turns)
        let reply: ChatReply
        do {
            reply = try await model.complete(request, timeout: max(models.timeout, Self.minimumTimeout), onText: nil)
        } catch {
            if case .rejected = error { return .discard(reason: error.description) }
            throw error
        }
        guard let analysis = CallAnalysis.parse(reply.text) else { throw UnreadableAnalysis() }
        let tokens = reply.inputTokens + reply.outputTokens
        let cost = settings.cost(inputTokens: reply.inputTokens, outputTokens: reply.outputTokens)
        try await client.transaction(logger: logger) { connection in
            guard try await CallAnalysis.store(analysis, conversationID: conversation.id, tokens: tokens, on: connection,
                                               logger: logger) else { return }
            if cost > 0 {
                _ = try await CreditStore.debit(workspaceID: conversation.workspaceID, amount: cost,
                                                reference: "analysis:\(args.callID.uuidString.lowercased())",
                                                description: "call analysis, \(tokens) tokens", allowOverdraft: true, on: connection, logger: logger)
            }
            try await WebhookEvents.callAnalyzed(callID: args.callID, workspaceID: conversation.workspaceID, analysis, on: connection, logger: logger)
        }
        return try .success(Result(sentiment: analysis.sentiment, tokens: tokens))
    }
}
