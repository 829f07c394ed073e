import Foundation
import ServerSupport

/// A language model that answers a conversation, possibly by asking for tool calls. Implemented by
/// the OpenAI-compatible Chat Completions client and the Anthropic Messages client; both stream.
public protocol ChatModel: Sendable {
    /// The provider's name as the assistant settings spell it (`openai`, `anthropic`, …).
    var provider: String { get }

    /// One completion within `timeout`. `onText` receives the reply's text as it streams in (the
    /// real-time voice path speaks sentences before the reply is complete).
    func complete(_ request: ChatRequest, timeout: Duration, onText: (@Sendable (String) -> Void)?) async throws(ChatFailure) -> ChatReply
}

/// What the model is asked: the system prompt apart, then the conversation so far, and the tools it may call.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var system: String
    public var messages: [ChatMessage]
    public var tools: [ChatTool]
    public var temperature: Double
    public var maxTokens: Int

    public init(model: String, system: String, messages: [ChatMessage], tools: [ChatTool] = [], temperature: Double, maxTokens: Int) {
        self.model = model
        self.system = system
        self.messages = messages
        self.tools = tools
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}

/// One message of the conversation, in the terms both wire formats share.
public enum ChatMessage: Sendable, Equatable {
    case user(String)
    /// The assistant's text, and the tool calls it asked for in the same reply.
    case assistant(String, toolCalls: [ChatToolCall] = [])
    /// What a tool call gave back (or why it gave nothing), as text for the model.
    case toolResult(callID: String, name: String, content: String, isError: Bool = false)
}

/// A tool the model may call: its name, what it does, and its arguments as a JSON Schema (JSON text).
public struct ChatTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parametersJSON: String

    public init(name: String, description: String, parametersJSON: String) {
        self.name = name
        self.description = description
        self.parametersJSON = parametersJSON
    }
}

/// A tool call the model asked for; `argumentsJSON` is what it wrote, which may not be valid JSON.
public struct ChatToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var argumentsJSON: String

    public init(id: String, name: String, argumentsJSON: String) {
        self.id = id
        self.name = name
        self.argumentsJSON = argumentsJSON
    }
}

/// The model's answer: text, tool calls, why it stopped, the tokens counted, and when its first token came.
public struct ChatReply: Sendable, Equatable {
    public var text: String
    public var toolCalls: [ChatToolCall]
    /// `stop`, `tool_calls`, `length` (OpenAI's words; Anthropic's are mapped to them).
    public var finishReason: String?
    public var model: String?
    public var inputTokens: Int
    public var outputTokens: Int
    /// Milliseconds from the request to the first streamed text or tool call.
    public var firstTokenMS: Int?

    /// More tokens than one request can hold; a provider's count above it is read as this, so a
    /// wild figure can neither overflow the charge nor fail the turn's row.
    public static let maximumTokens = 10_000_000

    /// A token count from a provider, within `0...maximumTokens`.
    static func tokens(_ count: Int) -> Int { min(max(count, 0), maximumTokens) }

    public init(text: String = "", toolCalls: [ChatToolCall] = [], finishReason: String? = nil, model: String? = nil, inputTokens: Int = 0,
                outputTokens: Int = 0, firstTokenMS: Int? = nil) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.firstTokenMS = firstTokenMS
    }
}

/// How a completion failed. The message is the provider's, never the request (no prompt, no key).
public enum ChatFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete answer within the timeout.
    case timedOut
    /// 429: `retryAfter` from the `Retry-After` header when the provider sent one.
    case throttled(retryAfter: Duration?, message: String)
    /// 408, 5xx, 529 or an error event in the stream: the provider may answer later.
    case unavailable(httpStatus: Int?, message: String)
    /// Another 4xx: this request will not work (wrong model, bad key, invalid tools).
    case rejected(httpStatus: Int, message: String)
    case transport(String)
    /// The stream was cut off or held something that is not the provider's format.
    case malformed(String)
    /// No provider is configured for the assistant's `llm_provider`.
    case notConfigured(provider: String)

    /// A short stable word for the turn's record and the metrics.
    public var code: String {
        switch self {
        case .timedOut: "timeout"
        case .throttled: "rate_limited"
        case .unavailable: "unavailable"
        case .rejected: "rejected"
        case .transport: "network_error"
        case .malformed: "malformed_stream"
        case .notConfigured: "not_configured"
        }
    }

    public var description: String {
        switch self {
        case .timedOut: "the language model did not answer in time"
        case .throttled(let after, let message):
            "the language model's rate limit (HTTP 429\(after.map { ", retry after \($0.milliseconds / 1_000) s" } ?? "")): \(message)"
        case .unavailable(let status, let message): "the language model failed\(status.map { " (HTTP \($0))" } ?? ""): \(message)"
        case .rejected(let status, let message): "the language model refused the request (HTTP \(status)): \(message)"
        case .transport(let message): "no answer from the language model: \(message)"
        case .malformed(let message): "unreadable answer from the language model: \(message)"
        case .notConfigured(let provider): "no \(provider) language model is configured"
        }
    }
}
