import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A local language model server that speaks both streaming wire formats the platform uses, written
/// from the providers' published API references: OpenAI Chat Completions (`POST …/chat/completions`
/// with `stream: true`: `chat.completion.chunk` events, tool calls assembled by index, a usage chunk
/// when `stream_options.include_usage` asks, `data: [DONE]`; Azure's deployment path too) and Anthropic
/// Messages (`POST /v1/messages`: `message_start`, `content_block_start/delta/stop`, `message_delta`,
/// `message_stop`). Each request takes the next scripted reply and is recorded as received.
public final class LanguageModelStandIn: Sendable {
    public enum Reply: Sendable {
        /// Text streamed in `pieces` chunks.
        case text(String, pieces: Int = 3)
        /// Tool calls (and optional text before them), arguments streamed in two halves.
        case toolCalls([Call], text: String = "")
        /// An HTTP error with the provider's error body.
        case failure(status: Int, message: String, retryAfter: String? = nil)
        /// Waits before the first byte of the answer, then answers `then`.
        case delayed(Duration, then: Box)
        /// Starts the reply, then ends the stream without its end (no finish reason, no `[DONE]`/`message_stop`).
        case truncated(String)
        /// An event whose data is not JSON.
        case garbage
        /// `first`, then only SSE comments (every 50 ms) until `gate` opens, then `rest` and the end
        /// (Chat Completions only). A client that goes away meanwhile is counted in `cancelled`.
        case gated(first: String, rest: String, gate: Gate)
    }

    /// Holds a gated reply's stream open until the test opens it.
    public final class Gate: Sendable {
        private let opened = Mutex(false)

        public init() {}
        public func open() { opened.withLock { $0 = true } }
        var isOpen: Bool { opened.withLock { $0 } }
    }

    /// Lets `Reply` nest itself.
    public final class Box: Sendable {
        public let reply: Reply
        public init(_ reply: Reply) { self.reply = reply }
    }

    public struct Call: Sendable {
        public var id: String
        public var name: String
        public var argumentsJSON: String
        public init(id: String, name: String, argumentsJSON: String) {
            self.id = id
            self.name = name
            self.argumentsJSON = argumentsJSON
        }
    }

    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: String

        /// The body as JSON (dictionaries and arrays), for the test to look into.
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    private struct State {
        var script: [Reply] = []
        var received: [Received] = []
        var cancelled = 0
    }

    private let state = Mutex(State())
    /// What a request gets when the script is empty.
    let fallback: Reply

    public init(fallback: Reply = .text("OK.")) {
        self.fallback = fallback
    }

    public func script(_ replies: Reply...) { state.withLock { $0.script.append(contentsOf: replies) } }
    public var received: [Received] { state.withLock { $0.received } }
    /// Streams whose client went away before their end.
    public var cancelled: Int { state.withLock { $0.cancelled } }

    /// Runs the server on a loopback port for the duration of `body`, which gets its base URL (no path).
    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("v1/chat/completions") { request, context in try await self.answer(request, context, anthropic: false) }
        router.post("openai/deployments/:deployment/chat/completions") { request, context in
            try await self.answer(request, context, anthropic: false)
        }
        router.post("v1/messages") { request, context in try await self.answer(request, context, anthropic: true) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func answer(_ request: Request, _ context: BasicRequestContext, anthropic: Bool) async throws -> Response {
        let text = String(buffer: try await request.body.collect(upTo: 4 << 20))
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let reply = state.withLock { state -> Reply in
            state.received.append(Received(path: request.uri.description, headers: headers, body: text))
            return state.script.isEmpty ? fallback : state.script.removeFirst()
        }
        let body = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        let model = body["model"] as? String ?? "stand-in"
        let usage = (body["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        return try await respond(reply, model: model, promptTokens: max(1, text.count / 4), anthropic: anthropic, includeUsage: usage)
    }

    private func respond(_ reply: Reply, model: String, promptTokens: Int, anthropic: Bool, includeUsage: Bool) async throws -> Response {
        switch reply {
        case .delayed(let delay, let then):
            try await Task.sleep(for: delay)
            return try await respond(then.reply, model: model, promptTokens: promptTokens, anthropic: anthropic, includeUsage: includeUsage)
        case .failure(let status, let message, let retryAfter):
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter { headers[HTTPField.Name("Retry-After")!] = retryAfter }
            let kind = status == 429 ? "rate_limit_error" : "api_error"
            let json = anthropic ? #"{"type":"error","error":{"type":"\#(kind)","message":"\#(message)"}}"#
                : #"{"error":{"message":"\#(message)","type":"\#(kind)","code":null}}"#
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        case .gated(let first, let rest, let gate):
            let head = Self.openAIEvents(.text(first, pieces: 1), model: model, promptTokens: promptTokens, includeUsage: false).prefix(2)
            let tail = Self.openAIEvents(.text(rest, pieces: 1), model: model, promptTokens: promptTokens, includeUsage: includeUsage).dropFirst()
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
                for event in head { try await writer.write(ByteBuffer(string: event)) }
                while !gate.isOpen {
                    do {
                        try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                        try await Task.sleep(for: .milliseconds(50))
                    } catch {
                        self.state.withLock { $0.cancelled += 1 }
                        throw error
                    }
                }
                for event in tail { try await writer.write(ByteBuffer(string: event)) }
                try await writer.finish(nil)
            })
        default:
            let events = anthropic ? Self.anthropicEvents(reply, model: model, promptTokens: promptTokens)
                : Self.openAIEvents(reply, model: model, promptTokens: promptTokens, includeUsage: includeUsage)
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
                for event in events {
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            })
        }
    }

    static func json(_ object: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static func pieces(_ text: String, _ count: Int) -> [String] {
        guard !text.isEmpty else { return [] }
        let characters = Array(text)
        let size = max(1, (characters.count + count - 1) / max(count, 1))
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    static func openAIEvents(_ reply: Reply, model: String, promptTokens: Int, includeUsage: Bool) -> [String] {
        func chunk(_ delta: [String: Any], finish: String? = nil) -> String {
            let choice: [String: Any] = ["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]
            return "data: " + json(["id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                    "choices": [choice]]) + "\n\n"
        }
        var events = [chunk(["role": "assistant", "content": ""])]
        var completion = 0
        switch reply {
        case .text(let text, let count):
            events += pieces(text, count).map { chunk(["content": $0]) }
            events.append(chunk([:], finish: "stop"))
            completion = text.split(separator: " ").count
        case .toolCalls(let calls, let text):
            events += pieces(text, 2).map { chunk(["content": $0]) }
            for (index, call) in calls.enumerated() {
                events.append(chunk(["tool_calls": [["index": index, "id": call.id, "type": "function",
                                                     "function": ["name": call.name, "arguments": ""]]]]))
                for half in pieces(call.argumentsJSON, 2) {
                    events.append(chunk(["tool_calls": [["index": index, "function": ["arguments": half]]]]))
                }
            }
            events.append(chunk([:], finish: "tool_calls"))
            completion = 10 * calls.count
        case .truncated(let text):
            return events + pieces(text, 2).prefix(1).map { chunk(["content": $0]) }
        case .garbage:
            return events + ["data: {this is not json\n\n"]
        default:
            break
        }
        if includeUsage {
            events.append("data: " + json(["id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                           "choices": [Any](), "usage": ["prompt_tokens": promptTokens, "completion_tokens": completion,
                                                                         "total_tokens": promptTokens + completion]]) + "\n\n")
        }
        return events + ["data: [DONE]\n\n"]
    }

    static func anthropicEvents(_ reply: Reply, model: String, promptTokens: Int) -> [String] {
        func event(_ name: String, _ data: [String: Any]) -> String { "event: \(name)\ndata: \(json(data))\n\n" }
        var events = [event("message_start", ["type": "message_start", "message": [
            "id": "msg_standin", "type": "message", "role": "assistant", "content": [Any](), "model": model, "stop_reason": NSNull(),
            "stop_sequence": NSNull(), "usage": ["input_tokens": promptTokens, "output_tokens": 1]]])]
        events.append(event("ping", ["type": "ping"]))
        func textBlock(_ index: Int, _ text: String, pieces count: Int) -> [String] {
            [event("content_block_start", ["type": "content_block_start", "index": index, "content_block": ["type": "text", "text": ""]])]
                + pieces(text, count).map { event("content_block_delta", ["type": "content_block_delta", "index": index,
                                                                           "delta": ["type": "text_delta", "text": $0]]) }
                + [event("content_block_stop", ["type": "content_block_stop", "index": index])]
        }
        let stop: String
        var completion = 0
        switch reply {
        case .text(let text, let count):
            events += textBlock(0, text, pieces: count)
            stop = "end_turn"
            completion = text.split(separator: " ").count
        case .toolCalls(let calls, let text):
            var index = 0
            if !text.isEmpty {
                events += textBlock(0, text, pieces: 2)
                index = 1
            }
            for call in calls {
                events.append(event("content_block_start", ["type": "content_block_start", "index": index, "content_block": [
                    "type": "tool_use", "id": call.id, "name": call.name, "input": [String: Any]()]]))
                for half in pieces(call.argumentsJSON, 2) {
                    events.append(event("content_block_delta", ["type": "content_block_delta", "index": index,
                                                                "delta": ["type": "input_json_delta", "partial_json": half]]))
                }
                events.append(event("content_block_stop", ["type": "content_block_stop", "index": index]))
                index += 1
            }
            stop = "tool_use"
            completion = 10 * calls.count
        case .truncated(let text):
            return events + Array(textBlock(0, text, pieces: 2).prefix(2))
        case .garbage:
            return events + ["event: content_block_delta\ndata: {this is not json\n\n"]
        default:
            stop = "end_turn"
        }
        events.append(event("message_delta", ["type": "message_delta", "delta": ["stop_reason": stop, "stop_sequence": NSNull()],
                                              "usage": ["output_tokens": completion]]))
        return events + [event("message_stop", ["type": "message_stop"])]
    }
}
