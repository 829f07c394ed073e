import Foundation

/// An assistant as the API shows it, with the version its last deploy froze.
public struct Assistant: Decodable, Sendable {
    public let id: UUID
    public let name: String
    public let status: String
    public let version: Int
    public let deployedAt: Date?

    enum CodingKeys: String, CodingKey { case id, name, status, version, deployedAt = "deployed_at" }
}

/// What one deploy froze: the version's number, when, and the tools and documents it links.
public struct AssistantVersion: Decodable, Sendable {
    public let version: Int
    public let createdAt: Date
    public let toolIDs: [UUID]
    public let fileIDs: [UUID]

    enum CodingKeys: String, CodingKey { case version, createdAt = "created_at", toolIDs = "tool_ids", fileIDs = "file_ids" }
}

/// One turn of a conversation: what the caller said, what the assistant answered, the tools it
/// called, and the turn's timings and tokens.
public struct ConversationTurn: Decodable, Sendable {
    /// One tool call of a turn (its arguments stay in the API's transcript).
    public struct ToolCall: Decodable, Sendable {
        public let name: String
        public let outcome: String?
        public let latencyMS: Int?

        enum CodingKeys: String, CodingKey { case name, outcome, latencyMS = "latency_ms" }
    }

    public let sequence: Int
    public let callerText: String?
    public let callerConfidence: Double?
    public let assistantText: String
    public let toolCalls: [ToolCall]
    /// `continue`, `end_call` or `transfer_call`.
    public let action: String
    /// `ok`, `no_input`, `failed` or `pending`.
    public let outcome: String
    public let failureReason: String?
    public let model: String?
    public let inputTokens: Int
    public let outputTokens: Int
    public let firstTokenMS: Int?
    public let latencyMS: Int?
    public let createdAt: Date
    /// On a streamed call the caller interrupted: the part of the reply they heard.
    public let interrupted: Bool?
    public let heardText: String?
    /// On a streamed call: speech to text, the voice's first audio, and the caller's last voiced
    /// frame to the reply's first frame sent, in milliseconds.
    public let transcriptionMS: Int?
    public let firstAudioMS: Int?
    public let voiceToVoiceMS: Int?

    enum CodingKeys: String, CodingKey {
        case sequence, action, outcome, model, interrupted
        case heardText = "heard_text"
        case callerText = "caller_text", callerConfidence = "caller_confidence", assistantText = "assistant_text", toolCalls = "tool_calls"
        case failureReason = "failure_reason", inputTokens = "input_tokens", outputTokens = "output_tokens", firstTokenMS = "first_token_ms"
        case latencyMS = "latency_ms", createdAt = "created_at"
        case transcriptionMS = "transcription_ms", firstAudioMS = "first_audio_ms", voiceToVoiceMS = "voice_to_voice_ms"
    }
}

/// What the assistant's model made of a finished call.
public struct CallAnalysis: Decodable, Sendable {
    public let summary: String
    public let outcome: String
    public let sentiment: String
    public let followUp: String?

    enum CodingKeys: String, CodingKey { case summary, outcome, sentiment, followUp = "follow_up" }
}

/// A call's conversation turn by turn, and its analysis once made.
public struct CallTranscript: Decodable, Sendable {
    public let callID: UUID
    public let assistantVersion: Int?
    public let status: String
    public let greeting: String
    public let turns: [ConversationTurn]
    public let analysis: CallAnalysis?

    enum CodingKeys: String, CodingKey { case status, greeting, turns, analysis, callID = "call_id", assistantVersion = "assistant_version" }
}

/// A text conversation with an assistant (trying it without a phone).
public struct TestConversation: Decodable, Sendable {
    public let id: UUID
    public let assistantVersion: Int?
    public let greeting: String
    public let status: String
    public let turns: [ConversationTurn]

    enum CodingKeys: String, CodingKey { case id, greeting, status, turns, assistantVersion = "assistant_version" }
}

/// The assistant's answer to one turn of a text conversation.
public struct ConversationReply: Decodable, Sendable {
    public let reply: String
    /// `continue`, `end_call` or `transfer_call`.
    public let action: String
    public let transferTo: String?
    public let turn: ConversationTurn

    enum CodingKeys: String, CodingKey { case reply, action, turn, transferTo = "transfer_to" }
}
