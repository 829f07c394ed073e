import Foundation
import Providers
import ServerSupport
import Synchronization
import Testing
import TestSupport

/// Both chat clients against the local stand-in of the two wire formats: what they send (roles,
/// tools, tool results, keys in the right header), what they read from a stream (text as it comes,
/// tool calls assembled, token counts), and every way a provider fails, each a `ChatFailure`.
@Suite struct ChatClientTests {
    /// The text pieces a stream handed out, in order.
    final class Pieces: Sendable {
        private let mutex = Mutex<[String]>([])
        func append(_ piece: String) { mutex.withLock { $0.append(piece) } }
        var all: [String] { mutex.withLock { $0 } }
    }

    static let weather = ChatTool(name: "get_weather", description: "The weather in a city",
                                  parametersJSON: #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#)

    static func request(_ messages: [ChatMessage] = [.assistant("Hello, how can I help?"), .user("What is the weather in Oslo?")]) -> ChatRequest {
        ChatRequest(model: "model-x", system: "You are a helpful assistant.", messages: messages, tools: [weather], temperature: 0.8, maxTokens: 200)
    }

    static func openAI(_ base: String, key: String? = "sk-test") -> OpenAIChatClient {
        OpenAIChatClient(configuration: .init(provider: "openai", route: .base(base + "/v1"), authentication: key.map { .bearer($0) } ?? .none))
    }

    static func anthropic(_ base: String) -> AnthropicMessagesClient {
        AnthropicMessagesClient(configuration: .init(baseURL: base, apiKey: "sk-ant-test"))
    }

    @Test func openAIStreamsTextCountsTokensAndSendsTheConversationInItsFormat() async throws {
        let standIn = LanguageModelStandIn()
        standIn.script(.text("It is sunny in Oslo today.", pieces: 4))
        try await standIn.run { base in
            let pieces = Pieces()
            let reply = try await Self.openAI(base).complete(Self.request(), timeout: .seconds(10)) { text in pieces.append(text) }
            #expect(reply.text == "It is sunny in Oslo today.")
            #expect(pieces.all.count == 4)
            #expect(reply.finishReason == "stop")
            #expect(reply.toolCalls.isEmpty)
            #expect(reply.inputTokens > 0 && reply.outputTokens == 6)
            #expect(reply.firstTokenMS != nil)
            let received = try #require(standIn.received.first)
            #expect(received.path == "/v1/chat/completions")
            #expect(received.headers["authorization"] == "Bearer sk-test")
            let body = received.json
            #expect(body["stream"] as? Bool == true)
            #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
            let roles = (body["messages"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
            #expect(roles == ["system", "assistant", "user"])
            let tool = (body["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any]
            #expect(tool?["name"] as? String == "get_weather")
            #expect((tool?["parameters"] as? [String: Any])?["required"] as? [String] == ["city"])
        }
    }

    @Test func openAIAssemblesToolCallsAndSendsTheirResultsBack() async throws {
        let standIn = LanguageModelStandIn()
        standIn.script(.toolCalls([.init(id: "call_1", name: "get_weather", argumentsJSON: #"{"city":"Oslo"}"#),
                                   .init(id: "call_2", name: "get_weather", argumentsJSON: #"{"city":"Bergen"}"#)]))
        try await standIn.run { base in
            let client = Self.openAI(base)
            let reply = try await client.complete(Self.request(), timeout: .seconds(10), onText: nil)
            #expect(reply.finishReason == "tool_calls")
            #expect(reply.toolCalls == [ChatToolCall(id: "call_1", name: "get_weather", argumentsJSON: #"{"city":"Oslo"}"#),
                                        ChatToolCall(id: "call_2", name: "get_weather", argumentsJSON: #"{"city":"Bergen"}"#)])
            let next = Self.request([.user("Weather?"), .assistant("", toolCalls: reply.toolCalls),
                                     .toolResult(callID: "call_1", name: "get_weather", content: #"{"sky":"sunny"}"#),
                                     .toolResult(callID: "call_2", name: "get_weather", content: "timeout", isError: true)])
            _ = try await client.complete(next, timeout: .seconds(10), onText: nil)
            let messages = try #require(standIn.received.last?.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "tool", "tool"])
            #expect(messages[2]["content"] is NSNull)
            #expect((messages[2]["tool_calls"] as? [[String: Any]])?.count == 2)
            #expect(messages[3]["tool_call_id"] as? String == "call_1")
        }
    }

    @Test func azureNamesTheDeploymentInThePathAndSendsItsKeyHeader() async throws {
        let standIn = LanguageModelStandIn()
        try await standIn.run { base in
            let client = OpenAIChatClient(configuration: .init(provider: "azure-openai", route: .azure(resource: base, apiVersion: "2024-10-21"),
                                                               authentication: .apiKey("azure-key")))
            let reply = try await client.complete(Self.request(), timeout: .seconds(10), onText: nil)
            #expect(reply.text == "OK.")
            let received = try #require(standIn.received.first)
            #expect(received.path == "/openai/deployments/model-x/chat/completions?api-version=2024-10-21")
            #expect(received.headers["api-key"] == "azure-key")
            #expect(received.headers["authorization"] == nil)
        }
    }

    @Test func anthropicStreamsTextAndToolUseAndSendsTheConversationInItsFormat() async throws {
        let standIn = LanguageModelStandIn()
        standIn.script(.toolCalls([.init(id: "toolu_1", name: "get_weather", argumentsJSON: #"{"city":"Oslo"}"#)], text: "Let me check."),
                       .text("Sunny.", pieces: 2))
        try await standIn.run { base in
            let client = Self.anthropic(base)
            let pieces = Pieces()
            let reply = try await client.complete(Self.request(), timeout: .seconds(10)) { text in pieces.append(text) }
            #expect(reply.text == "Let me check.")
            #expect(pieces.all.joined() == "Let me check.")
            #expect(reply.finishReason == "tool_calls")
            #expect(reply.toolCalls == [ChatToolCall(id: "toolu_1", name: "get_weather", argumentsJSON: #"{"city":"Oslo"}"#)])
            #expect(reply.inputTokens > 0 && reply.outputTokens == 10)
            let received = try #require(standIn.received.first)
            #expect(received.path == "/v1/messages")
            #expect(received.headers["x-api-key"] == "sk-ant-test")
            #expect(received.headers["anthropic-version"] == "2023-06-01")
            let body = received.json
            #expect(body["system"] as? String == "You are a helpful assistant.")
            #expect(body["temperature"] as? Double == 0.4)
            #expect((body["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["user", "assistant", "user"])
            #expect((body["tools"] as? [[String: Any]])?.first?["input_schema"] != nil)

            let next = Self.request([.user("Weather?"), .assistant("Let me check.", toolCalls: reply.toolCalls),
                                     .toolResult(callID: "toolu_1", name: "get_weather", content: #"{"sky":"sunny"}"#)])
            let final = try await client.complete(next, timeout: .seconds(10), onText: nil)
            #expect(final.text == "Sunny." && final.finishReason == "stop")
            let messages = try #require(standIn.received.last?.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"])
            let result = (messages[2]["content"] as? [[String: Any]])?.first
            #expect(result?["type"] as? String == "tool_result")
            #expect(result?["tool_use_id"] as? String == "toolu_1")
            let use = (messages[1]["content"] as? [[String: Any]])?.last
            #expect((use?["input"] as? [String: Any])?["city"] as? String == "Oslo")
        }
    }

    @Test(arguments: [false, true]) func everyProviderFailureIsAChatFailureAndNothingHangs(anthropic: Bool) async throws {
        let standIn = LanguageModelStandIn()
        standIn.script(.failure(status: 429, message: "slow down", retryAfter: "2"),
                       .failure(status: 503, message: "overloaded"),
                       .failure(status: 400, message: "no such model"),
                       .delayed(.seconds(5), then: .init(.text("too late"))),
                       .truncated("It is sunny"),
                       .garbage)
        try await standIn.run { base in
            let client: any ChatModel = anthropic ? Self.anthropic(base) : Self.openAI(base)
            func failure(timeout: Duration = .seconds(10)) async -> ChatFailure? {
                do {
                    _ = try await client.complete(Self.request(), timeout: timeout, onText: nil)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(await failure() == .throttled(retryAfter: .seconds(2), message: "slow down"))
            #expect(await failure() == .unavailable(httpStatus: 503, message: "overloaded"))
            #expect(await failure() == .rejected(httpStatus: 400, message: "no such model"))
            let started = ContinuousClock.now
            #expect(await failure(timeout: .milliseconds(500)) == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(4), "the timeout ends the wait, not the provider")
            #expect(await failure()?.code == "malformed_stream")
            #expect(await failure()?.code == "malformed_stream")
        }
    }

    @Test func theEnvironmentConfiguresEachProviderAndRefusesHalfSettings() throws {
        let none = try LanguageModels(environment: Environment([:]))
        #expect(none.models.isEmpty)
        let all = try LanguageModels(environment: Environment([
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "ANTHROPIC_API_KEY": "a", "MISTRAL_API_KEY": "m", "GOOGLE_API_KEY": "g",
            "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com", "AZURE_OPENAI_API_KEY": "z", "LLM_TIMEOUT_MS": "4000"]))
        #expect(Set(all.models.keys) == ["openai", "anthropic", "mistral", "google", "azure-openai"])
        #expect(all.timeout == .seconds(4))
        #expect(throws: ConfigurationError.self) { _ = try LanguageModels(environment: Environment(["AZURE_OPENAI_ENDPOINT": "https://x"])) }
        #expect(throws: ConfigurationError.self) { _ = try LanguageModels(environment: Environment(["OPENAI_BASE_URL": "ftp://x"])) }
    }
}
