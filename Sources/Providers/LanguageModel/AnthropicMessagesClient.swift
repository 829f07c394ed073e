import AsyncHTTPClient
import Foundation
import ServerSupport

/// Anthropic's Messages API with streaming (`message_start`, `content_block_*`, `message_delta`,
/// `message_stop` events) and `tool_use`: the system prompt is a field of its own, tool results go
/// back in a user message, and roles alternate starting with the caller.
public struct AnthropicMessagesClient: ChatModel {
    public static let apiVersion = "2023-06-01"

    public struct Configuration: Sendable {
        /// Up to the API root, e.g. `https://api.anthropic.com` (`/v1/messages` is appended).
        public var baseURL: String
        public var apiKey: String

        public init(baseURL: String = "https://api.anthropic.com", apiKey: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    let stream: ChatStream
    public var provider: String { "anthropic" }

    public init(configuration: Configuration, http: HTTPClient = LanguageModels.http) {
        self.configuration = configuration
        self.stream = ChatStream(http: http, provider: "anthropic")
    }

    public func complete(_ request: ChatRequest, timeout: Duration, onText: (@Sendable (String) -> Void)?) async throws(ChatFailure) -> ChatReply {
        let body = Data(Self.body(request).text.utf8)
        let state = Shared(Accumulator())
        let started = ContinuousClock.now
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let headers = [("x-api-key", configuration.apiKey), ("anthropic-version", Self.apiVersion)]
        try await stream.post(url: configuration.baseURL + "/v1/messages", headers: headers, body: body, timeout: timeout) { event in
            let payload = try decoder.decode(Event.self, from: Data(event.data.utf8))
            if payload.type == "error" {
                let message = payload.error?.message ?? "an error event"
                if payload.error?.type == "rate_limit_error" { throw ChatFailure.throttled(retryAfter: nil, message: message) }
                throw ChatFailure.unavailable(httpStatus: nil, message: message)
            }
            let (text, done) = state.withLock { $0.add(payload, started: started) }
            if !text.isEmpty { onText?(text) }
            return done
        }
        return try state.withLock { accumulator throws(ChatFailure) in try accumulator.finished() }
    }

    /// The request body in the Messages format. Same-role neighbours are merged and a conversation
    /// that starts with the assistant (the greeting) gets a first user message, as the API requires.
    static func body(_ request: ChatRequest) -> JSONValue {
        var messages: [(role: String, content: [JSONValue])] = []
        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            if messages.last?.role == role {
                messages[messages.count - 1].content += blocks
            } else {
                messages.append((role, blocks))
            }
        }
        for message in request.messages {
            switch message {
            case .user(let text): append("user", [["type": "text", "text": .string(text)]])
            case .assistant(let text, let calls):
                var blocks: [JSONValue] = text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
                blocks += calls.map { call -> JSONValue in
                    let input = JSONValue(text: call.argumentsJSON).object.map(JSONValue.object) ?? .object([:])
                    return ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input]
                }
                append("assistant", blocks)
            case .toolResult(let id, _, let content, let isError):
                append("user", [["type": "tool_result", "tool_use_id": .string(id), "content": .string(content), "is_error": .bool(isError)]])
            }
        }
        if messages.first?.role == "assistant" { messages.insert(("user", [["type": "text", "text": "(The call is connected.)"]]), at: 0) }
        // Anthropic's temperature runs from 0 to 1; the assistant's from 0 to 2.
        var body: [String: JSONValue] = ["model": .string(request.model), "max_tokens": .number(Double(request.maxTokens)), "stream": true,
                                         "temperature": .number(min(max(request.temperature / 2, 0), 1)),
                                         "messages": .array(messages.map { ["role": .string($0.role), "content": .array($0.content)] })]
        if !request.system.isEmpty { body["system"] = .string(request.system) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { ["name": .string($0.name), "description": .string($0.description),
                                                        "input_schema": ChatStream.schemaObject($0.parametersJSON)] })
        }
        return .object(body)
    }

    /// One event's data; which fields are set depends on its `type`.
    struct Event: Decodable {
        struct Message: Decodable {
            let model: String?
            let usage: Usage?
        }
        struct Usage: Decodable {
            let inputTokens: Int?
            let outputTokens: Int?
        }
        struct Block: Decodable {
            let type: String
            let id: String?
            let name: String?
            let text: String?
        }
        struct Delta: Decodable {
            let type: String?
            let text: String?
            let partialJson: String?
            let stopReason: String?
        }
        struct Failure: Decodable {
            let type: String?
            let message: String?
        }
        let type: String
        let index: Int?
        let message: Message?
        let contentBlock: Block?
        let delta: Delta?
        let usage: Usage?
        let error: Failure?
    }

    struct Accumulator {
        var reply = ChatReply()
        var calls: [Int: ChatToolCall] = [:]
        var stopped = false

        /// Adds an event; answers its text and whether the message is complete.
        mutating func add(_ event: Event, started: ContinuousClock.Instant) -> (String, Bool) {
            var text = ""
            switch event.type {
            case "message_start":
                reply.model = event.message?.model
                reply.inputTokens = ChatReply.tokens(event.message?.usage?.inputTokens ?? 0)
                reply.outputTokens = ChatReply.tokens(event.message?.usage?.outputTokens ?? 0)
            case "content_block_start":
                guard let block = event.contentBlock, let index = event.index else { break }
                if block.type == "tool_use" {
                    calls[index] = ChatToolCall(id: block.id ?? "toolu_\(index)", name: block.name ?? "", argumentsJSON: "")
                } else if let start = block.text {
                    text = start
                }
            case "content_block_delta":
                guard let delta = event.delta else { break }
                if delta.type == "text_delta", let piece = delta.text {
                    text = piece
                } else if delta.type == "input_json_delta", let index = event.index, let json = delta.partialJson {
                    calls[index, default: ChatToolCall(id: "toolu_\(index)", name: "", argumentsJSON: "")].argumentsJSON += json
                }
            case "message_delta":
                if let reason = event.delta?.stopReason { reply.finishReason = Self.finishReason(reason) }
                if let output = event.usage?.outputTokens { reply.outputTokens = ChatReply.tokens(output) }
            case "message_stop":
                stopped = true
            default:
                break
            }
            if reply.firstTokenMS == nil, !text.isEmpty || !calls.isEmpty { reply.firstTokenMS = (ContinuousClock.now - started).milliseconds }
            reply.text += text
            return (text, stopped)
        }

        /// Anthropic's stop reasons in the Chat Completions words the conversation reads.
        static func finishReason(_ reason: String) -> String {
            switch reason {
            case "tool_use": "tool_calls"
            case "max_tokens": "length"
            case "end_turn", "stop_sequence": "stop"
            default: reason
            }
        }

        func finished() throws(ChatFailure) -> ChatReply {
            var reply = reply
            reply.toolCalls = calls.sorted { $0.key < $1.key }.map(\.value).map { call in
                var call = call
                if call.argumentsJSON.isEmpty { call.argumentsJSON = "{}" }
                return call
            }
            if reply.toolCalls.contains(where: { $0.name.isEmpty }) { throw .malformed("a tool_use block has no name") }
            return reply
        }
    }
}
