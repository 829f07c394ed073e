import AsyncHTTPClient
import Foundation
import ServerSupport

/// The language models a deployment can use, by the `llm_provider` an assistant names, each
/// configured from the environment; a provider without its settings is absent.
public struct LanguageModels: Sendable {
    public static let defaultTimeout: Duration = .seconds(8)

    /// The HTTP client of the language models, for the life of the process. Every live call holds one
    /// streaming request, so it keeps many connections per host (the shared client's default of 8
    /// would queue the ninth call's turn behind the others' replies) and gives up on a connection
    /// attempt quickly, leaving the rest of the turn's time for an answer.
    public static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.timeout = .init(connect: .seconds(2))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public var models: [String: any ChatModel]
    /// How long one completion may take (`LLM_TIMEOUT_MS`); a Gather turn must answer Twilio within 15 s.
    public var timeout: Duration

    public init(models: [any ChatModel] = [], timeout: Duration = LanguageModels.defaultTimeout) {
        self.models = Dictionary(models.map { ($0.provider, $0) }, uniquingKeysWith: { _, last in last })
        self.timeout = timeout
    }

    public func model(for provider: String) -> (any ChatModel)? { models[provider] }

    /// From the environment:
    /// - `openai`: `OPENAI_API_KEY`, `OPENAI_BASE_URL` (default `https://api.openai.com/v1`; any server with the
    ///   same API, such as vLLM, Ollama or LM Studio, which may need no key);
    /// - `azure-openai`: `AZURE_OPENAI_ENDPOINT` (the resource URL), `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_API_VERSION`
    ///   (default `2024-10-21`); the assistant's `llm_model` names the deployment;
    /// - `mistral`: `MISTRAL_API_KEY`, `MISTRAL_BASE_URL` (default `https://api.mistral.ai/v1`);
    /// - `google`: `GOOGLE_API_KEY` through Google's OpenAI-compatible endpoint (`GOOGLE_BASE_URL`,
    ///   default `https://generativelanguage.googleapis.com/v1beta/openai`);
    /// - `anthropic`: `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`);
    /// - `LLM_TIMEOUT_MS` (default 8000).
    public init(environment: Environment, http: HTTPClient = LanguageModels.http) throws {
        func key(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func url(_ name: String, default fallback: String) throws -> String {
            let text = environment.string(name, default: fallback)
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(name, "expected an http(s) URL")
            }
            return text
        }
        var models: [any ChatModel] = []
        if key("OPENAI_API_KEY") != nil || key("OPENAI_BASE_URL") != nil {
            let authentication: OpenAIChatClient.Configuration.Authentication = key("OPENAI_API_KEY").map { .bearer($0) } ?? .none
            models.append(OpenAIChatClient(configuration: .init(provider: "openai",
                                                                route: .base(try url("OPENAI_BASE_URL", default: "https://api.openai.com/v1")),
                                                                authentication: authentication), http: http))
        }
        if let endpoint = key("AZURE_OPENAI_ENDPOINT") {
            guard let apiKey = key("AZURE_OPENAI_API_KEY") else {
                throw ConfigurationError("AZURE_OPENAI_API_KEY", "is required with AZURE_OPENAI_ENDPOINT")
            }
            _ = try url("AZURE_OPENAI_ENDPOINT", default: endpoint)
            models.append(OpenAIChatClient(configuration: .init(
                provider: "azure-openai",
                route: .azure(resource: endpoint, apiVersion: environment.string("AZURE_OPENAI_API_VERSION", default: "2024-10-21")),
                authentication: .apiKey(apiKey)), http: http))
        }
        if let apiKey = key("MISTRAL_API_KEY") {
            models.append(OpenAIChatClient(configuration: .init(provider: "mistral",
                                                                route: .base(try url("MISTRAL_BASE_URL", default: "https://api.mistral.ai/v1")),
                                                                authentication: .bearer(apiKey), requestsUsage: false), http: http))
        }
        if let apiKey = key("GOOGLE_API_KEY") {
            let base = try url("GOOGLE_BASE_URL", default: "https://generativelanguage.googleapis.com/v1beta/openai")
            models.append(OpenAIChatClient(configuration: .init(provider: "google", route: .base(base), authentication: .bearer(apiKey)), http: http))
        }
        if let apiKey = key("ANTHROPIC_API_KEY") {
            models.append(AnthropicMessagesClient(configuration: .init(baseURL: try url("ANTHROPIC_BASE_URL", default: "https://api.anthropic.com"),
                                                                       apiKey: apiKey), http: http))
        }
        self.init(models: models, timeout: try environment.milliseconds("LLM_TIMEOUT_MS", default: Self.defaultTimeout))
    }
}
