import AsyncHTTPClient
import Foundation
import ServerSupport

/// OpenAI-compatible `POST /v1/audio/speech`, asked for `pcm`: raw 24 kHz 16-bit mono, streamed as
/// it is synthesised (OpenAI, and self-hosted servers with the same API).
public struct OpenAISpeechClient: SpeechSynthesizer {
    public static let sampleRate = 24_000

    /// `baseURL` ends before `/audio/speech` (such as `https://api.openai.com/v1`).
    public let baseURL: String
    public let apiKey: String?
    public let model: String
    let stream: SpeechStream

    public init(baseURL: String, apiKey: String?, model: String, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
        stream = SpeechStream(http: http, provider: "openai")
    }

    public var format: SpeechAudioFormat { .pcm16(sampleRate: Self.sampleRate) }
    public var defaultVoice: String { "alloy" }

    public func speak(_ text: String, voice: String, language: String, timeout: Duration,
                      onAudio: @escaping @Sendable ([UInt8]) async -> Void) async throws(SpeechFailure) {
        let body: JSONValue = ["model": .string(model), "input": .string(text), "voice": .string(voice), "response_format": "pcm"]
        var headers = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        try await stream.post(url: "\(baseURL)/audio/speech", headers: headers, body: Data(body.text.utf8), timeout: timeout, onAudio: onAudio)
    }
}
