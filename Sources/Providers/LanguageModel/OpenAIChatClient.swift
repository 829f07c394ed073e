import AsyncHTTPClient
import Foundation
import ServerSupport

/// Chat Completions with streaming (`stream: true`, server-sent `chat.completion.chunk` events ending in
/// `data: [DONE]`) and function tools. Speaks to OpenAI, Azure OpenAI (a deployment URL and the
/// `api-key` header), Mistral, Google's OpenAI-compatible endpoint, and self-hosted servers with the
/// same API (vLLM, Ollama, LM Studio).
public struct OpenAIChatClient: ChatModel {
    public struct Configuration: Sendable {
        public enum Authentication: Sendable, Equatable {
            case bearer(String)
            /// Azure's `api-key` header.
            case apiKey(String)
            case none
        }

        /// Where a model's completions are requested.
        public enum Route: Sendable, Equatable {
            /// `<base>/chat/completions`, the model named in the body; the base ends in the API version (`…/v1`).
            case base(String)
            /// Azure OpenAI: the model is a deployment of the resource, `…/openai/deployments/<model>/chat/completions?api-version=…`.
            case azure(resource: String, apiVersion: String)
        }

        public var provider: String
        public var route: Route
        public var authentication: Authentication
        /// Asks for the token counts in the last chunk (`stream_options.include_usage`); off for servers that refuse unknown fields.
        public var requestsUsage: Bool

        public init(provider: String, route: Route, authentication: Authentication, requestsUsage: Bool = true) {
            self.provider = provider
            self.route = route
            self.authentication = authentication
            self.requestsUsage = requestsUsage
        }

        public func endpoint(model: String) -> String {
            switch route {
            case .base(let base):
                return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/chat/completions"
            case .azure(let resource, let version):
                let root = resource.hasSuffix("/") ? String(resource.dropLast()) : resource
                let deployment = model.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? model
                return "\(root)/openai/deployments/\(deployment)/chat/completions?api-version=\(version)"
            }
        }
    }

    public let configuration: Configuration
    let stream: ChatStream

    public var provider: String { configuration.provider }

    public init(configuration: Configuration, http: HTTPClient = LanguageModels.http) {
        self.configuration = configuration
        self.stream = ChatStream(http: http, provider: configuration.provider)
    }

    public func complete(_ request: ChatRequest, timeout: Duration, onText: (@Sendable (String) -> Void)?) async throws(ChatFailure) -> ChatReply {
        var headers: [(String, String)] = []
        switch configuration.authentication {
        case .bearer(let key): headers.append(("Authorization", "Bearer \(key)"))
        case .apiKey(let key): headers.append(("api-key", key))
        case .none: break
        }
        let body = Data(Self.body(request, requestsUsage: configuration.requestsUsage).text.utf8)
        let state = Shared(Accumulator())
        let started = ContinuousClock.now
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        try await stream.post(url: configuration.endpoint(model: request.model), headers: headers, body: body, timeout: timeout, read: { event in
            if event.data == "[DONE]" { return true }
            let chunk = try decoder.decode(Chunk.self, from: Data(event.data.utf8))
            if let error = chunk.error { throw ChatFailure.unavailable(httpStatus: nil, message: error.message ?? "an error event") }
            let text = state.withLock { $0.add(chunk, started: started) }
            if !text.isEmpty { onText?(text) }
            return false
        }, endedWell: { state.withLock { $0.reply.finishReason != nil } })
        return try state.withLock { accumulator throws(ChatFailure) in try accumulator.finished() }
    }

    /// The request body in the Chat Completions format.
    static func body(_ request: ChatRequest, requestsUsage: Bool) -> JSONValue {
        var messages: [JSONValue] = []
        if !request.system.isEmpty { messages.append(["role": "system", "content": .string(request.system)]) }
        for message in request.messages {
            switch message {
            case .user(let text): messages.append(["role": "user", "content": .string(text)])
            case .assistant(let text, let calls):
                var entry: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
                if !calls.isEmpty {
                    entry["tool_calls"] = .array(calls.map { ["id": .string($0.id), "type": "function",
                                                              "function": ["name": .string($0.name), "arguments": .string($0.argumentsJSON)]] })
                }
                messages.append(.object(entry))
            case .toolResult(let id, _, let content, _): messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(content)])
            }
        }
        var body: [String: JSONValue] = ["model": .string(request.model), "messages": .array(messages), "stream": true,
                                         "temperature": .number(request.temperature), "max_tokens": .number(Double(request.maxTokens))]
        if requestsUsage { body["stream_options"] = ["include_usage": true] }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description),
                                                  "parameters": ChatStream.schemaObject(tool.parametersJSON)]]
            })
        }
        return .object(body)
    }

    /// One `chat.completion.chunk` (or an error event some servers send in the stream).
    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                let content: String?
                let toolCalls: [ToolCallDelta]?
            }
            let delta: Delta?
            let finishReason: String?
        }
        struct ToolCallDelta: Decodable {
            struct Function: Decodable {
                let name: String?
                let arguments: String?
            }
            let index: Int?
            let id: String?
            let function: Function?
        }
        struct Usage: Decodable {
            let promptTokens: Int?
            let completionTokens: Int?
        }
        struct Failure: Decodable { let message: String? }
        let model: String?
        let choices: [Choice]?
        let usage: Usage?
        let error: Failure?
    }

    /// The reply as its chunks arrive: text appended, tool calls assembled by their index.
    struct Accumulator {
        var reply = ChatReply()
        var calls: [Int: ChatToolCall] = [:]

        /// Adds a chunk; answers the text it carried.
        mutating func add(_ chunk: Chunk, started: ContinuousClock.Instant) -> String {
            if let model = chunk.model, !model.isEmpty { reply.model = model }
            if let usage = chunk.usage {
                reply.inputTokens = usage.promptTokens.map(ChatReply.tokens) ?? reply.inputTokens
                reply.outputTokens = usage.completionTokens.map(ChatReply.tokens) ?? reply.outputTokens
            }
            var text = ""
            for choice in chunk.choices ?? [] {
                if let piece = choice.delta?.content { text += piece }
                for delta in choice.delta?.toolCalls ?? [] {
                    let index = delta.index ?? calls.count
                    var call = calls[index] ?? ChatToolCall(id: "", name: "", argumentsJSON: "")
                    if let id = delta.id, !id.isEmpty { call.id = id }
                    if let name = delta.function?.name { call.name += name }
                    if let arguments = delta.function?.arguments { call.argumentsJSON += arguments }
                    calls[index] = call
                }
                if let reason = choice.finishReason { reply.finishReason = reason }
            }
            if reply.firstTokenMS == nil, !text.isEmpty || !calls.isEmpty { reply.firstTokenMS = (ContinuousClock.now - started).milliseconds }
            reply.text += text
            return text
        }

        func finished() throws(ChatFailure) -> ChatReply {
            var reply = reply
            reply.toolCalls = calls.sorted { $0.key < $1.key }.map(\.value)
            if let nameless = reply.toolCalls.first(where: { $0.name.isEmpty }) {
                throw .malformed("tool call \(nameless.id) has no name")
            }
            for index in reply.toolCalls.indices where reply.toolCalls[index].id.isEmpty {
                reply.toolCalls[index].id = "call_\(index)"
            }
            return reply
        }
    }
}
