import Foundation
import ServerSupport

/// An OpenAI-compatible speech-to-text endpoint (`POST /v1/audio/transcriptions`): OpenAI itself or a
/// self-hosted server speaking the same API.
public struct TranscriptionConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.openai.com"
    public static let defaultModel = "whisper-1"
    /// OpenAI's upload limit.
    public static let defaultMaxBytes = 25 << 20

    public var baseURL: String
    public var apiKey: String?
    public var model: String
    /// Larger recordings are not downloaded past this; the job ends with that reason.
    public var maxBytes: Int
    public var requestTimeout: Duration

    public init(baseURL: String = TranscriptionConfiguration.defaultBaseURL, apiKey: String?, model: String = TranscriptionConfiguration.defaultModel,
                maxBytes: Int = TranscriptionConfiguration.defaultMaxBytes, requestTimeout: Duration = .seconds(300)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
        self.maxBytes = maxBytes
        self.requestTimeout = requestTimeout
    }

    /// From `TRANSCRIPTION_BASE_URL`, `TRANSCRIPTION_API_KEY`, `TRANSCRIPTION_MODEL`,
    /// `TRANSCRIPTION_MAX_BYTES` and `TRANSCRIPTION_TIMEOUT_MS`.
    public init(environment: Environment) throws {
        let base = environment.string("TRANSCRIPTION_BASE_URL", default: Self.defaultBaseURL)
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError("TRANSCRIPTION_BASE_URL", "expected an http(s) URL")
        }
        self.init(baseURL: base, apiKey: environment["TRANSCRIPTION_API_KEY"].flatMap { $0.isEmpty ? nil : $0 },
                  model: environment.string("TRANSCRIPTION_MODEL", default: Self.defaultModel),
                  maxBytes: try environment.int("TRANSCRIPTION_MAX_BYTES", default: Self.defaultMaxBytes, range: 1_024...(1 << 30)),
                  requestTimeout: try environment.milliseconds("TRANSCRIPTION_TIMEOUT_MS", default: .seconds(300)))
    }
}
