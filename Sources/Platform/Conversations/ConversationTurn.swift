import Foundation
import ServerSupport

/// One turn of a conversation as stored: the caller's words, the assistant's answer, what the call
/// does next, and the tool calls, tokens and timings of getting there.
public struct ConversationTurn: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// Claimed: its model is running (or the process running it died; a retry then answers the fallback).
        case pending
        case ok
        /// The model failed; the fallback line was said and `failureReason` says why.
        case failed
        /// The caller said nothing.
        case noInput = "no_input"
    }

    public enum Action: String, Sendable {
        case `continue`
        case endCall = "end_call"
        case transferCall = "transfer_call"
    }

    public let id: Int64
    public let conversationID: UUID
    public let sequence: Int
    public let requestKey: String
    public var callerText: String?
    public var callerConfidence: Double?
    public var assistantText: String
    public var toolCalls: JSONValue
    public var action: Action
    public var transferTo: String?
    public var provider: String?
    public var model: String?
    public var modelRounds: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var firstTokenMS: Int?
    public var latencyMS: Int?
    public var outcome: Outcome
    public var failureReason: String?
    public var cost: Int64
    public let createdAt: Date
    /// On a streamed call, the sentences the caller heard before interrupting the reply.
    public var heardText: String? = nil
    public var interrupted = false
    /// On a streamed call: the stages of the turn (`VoiceTimings`).
    public var voice = VoiceTimings()

    /// What the caller heard of the reply: all of it, unless they interrupted it.
    public var heardReply: String { interrupted ? heardText ?? "" : assistantText }
}

extension ConversationTurn {
    /// A turn as it starts, before the assistant has answered.
    init(id: Int64, conversationID: UUID, sequence: Int, requestKey: String, callerText: String?, callerConfidence: Double?) {
        self.init(id: id, conversationID: conversationID, sequence: sequence, requestKey: requestKey, callerText: callerText,
                  callerConfidence: callerConfidence, assistantText: "", toolCalls: .array([]), action: .continue, transferTo: nil, provider: nil,
                  model: nil, modelRounds: 0, inputTokens: 0, outputTokens: 0, firstTokenMS: nil, latencyMS: nil, outcome: .pending,
                  failureReason: nil, cost: 0, createdAt: Date())
    }
}

/// A conversation: a call's, or a test one without telephony.
public struct ConversationRecord: Sendable, Equatable {
    public let id: UUID
    public let workspaceID: UUID
    public let assistantID: UUID?
    /// The deployed version it runs; nil when the assistant was never deployed (its draft is used).
    public let assistantVersion: Int?
    public let callID: UUID?
    public let greeting: String
    public let status: String
}
