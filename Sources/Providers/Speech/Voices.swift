import AsyncHTTPClient
import Foundation
import ServerSupport

/// The text-to-speech providers a deployment can use, by the `voice_provider` an assistant names,
/// each configured from the environment; a provider without its settings is absent.
public struct Voices: Sendable {
    public static let defaultTimeout: Duration = .seconds(5)

    public var synthesizers: [String: any SpeechSynthesizer]
    /// How long one sentence's audio may take to finish (`TTS_TIMEOUT_MS`).
    public var timeout: Duration

    public init(synthesizers: [String: any SpeechSynthesizer] = [:], timeout: Duration = Voices.defaultTimeout) {
        self.synthesizers = synthesizers
        self.timeout = timeout
    }

    public func synthesizer(for provider: String) -> (any SpeechSynthesizer)? { synthesizers[provider] }

    /// Whom an assistant speaks with, in order: its provider and voice (the provider's default voice
    /// for `default` or an empty id), then every other configured provider in its default voice, whom
    /// to ask next when one fails mid-call; an assistant whose provider is not configured here speaks
    /// in the first configured provider's default voice, so a call is never silent.
    public func voices(provider: String, id: String) -> [(synthesizer: any SpeechSynthesizer, voice: String)] {
        var voices: [(synthesizer: any SpeechSynthesizer, voice: String)] = []
        if let synthesizer = synthesizers[provider] {
            voices.append((synthesizer, id.isEmpty || id == "default" ? synthesizer.defaultVoice : id))
        }
        for name in synthesizers.keys.sorted() where name != provider {
            guard let other = synthesizers[name] else { continue }
            voices.append((other, other.defaultVoice))
        }
        return voices
    }

    /// From the environment:
    /// - `openai`: `OPENAI_API_KEY`, `OPENAI_TTS_BASE_URL` (default `OPENAI_BASE_URL`, else
    ///   `https://api.openai.com/v1`; any server with the same speech API), `OPENAI_TTS_MODEL` (default `gpt-4o-mini-tts`);
    /// - `elevenlabs`: `ELEVENLABS_API_KEY`, `ELEVENLABS_BASE_URL`, `ELEVENLABS_MODEL` (default `eleven_flash_v2_5`);
    /// - `azure`: `AZURE_SPEECH_KEY` and `AZURE_SPEECH_REGION` (or `AZURE_SPEECH_ENDPOINT`);
    /// - `TTS_TIMEOUT_MS` (default 5000).
    public init(environment: Environment, http: HTTPClient = LanguageModels.http) throws {
        func key(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func url(_ name: String, _ text: String) throws -> String {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(name, "expected an http(s) URL")
            }
            return text
        }
        var synthesizers: [String: any SpeechSynthesizer] = [:]
        if key("OPENAI_API_KEY") != nil || key("OPENAI_TTS_BASE_URL") != nil {
            let base = key("OPENAI_TTS_BASE_URL").map { ("OPENAI_TTS_BASE_URL", $0) } ?? key("OPENAI_BASE_URL").map { ("OPENAI_BASE_URL", $0) }
                ?? ("OPENAI_TTS_BASE_URL", "https://api.openai.com/v1")
            synthesizers["openai"] = OpenAISpeechClient(baseURL: try url(base.0, base.1), apiKey: key("OPENAI_API_KEY"),
                                                        model: environment.string("OPENAI_TTS_MODEL", default: "gpt-4o-mini-tts"), http: http)
        }
        if let apiKey = key("ELEVENLABS_API_KEY") {
            synthesizers["elevenlabs"] = ElevenLabsSpeechClient(
                baseURL: try url("ELEVENLABS_BASE_URL", environment.string("ELEVENLABS_BASE_URL", default: ElevenLabsSpeechClient.defaultBaseURL)),
                apiKey: apiKey, model: environment.string("ELEVENLABS_MODEL", default: ElevenLabsSpeechClient.defaultModel), http: http)
        }
        if let apiKey = key("AZURE_SPEECH_KEY") {
            let endpoint: String
            if let given = key("AZURE_SPEECH_ENDPOINT") {
                endpoint = try url("AZURE_SPEECH_ENDPOINT", given)
            } else if let region = key("AZURE_SPEECH_REGION"), region.allSatisfy({ $0.isLetter || $0.isNumber }) {
                endpoint = "https://\(region).tts.speech.microsoft.com"
            } else {
                throw ConfigurationError("AZURE_SPEECH_REGION", "is required with AZURE_SPEECH_KEY (a region such as westeurope), "
                                                                 + "or set AZURE_SPEECH_ENDPOINT")
            }
            synthesizers["azure"] = AzureSpeechClient(endpoint: endpoint, apiKey: apiKey, http: http)
        }
        self.init(synthesizers: synthesizers, timeout: try environment.milliseconds("TTS_TIMEOUT_MS", default: Self.defaultTimeout))
    }
}
