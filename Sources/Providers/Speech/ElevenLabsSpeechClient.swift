import AsyncHTTPClient
import Foundation
import ServerSupport

/// ElevenLabs' streaming `POST /v1/text-to-speech/{voice_id}/stream`, asked for `ulaw_8000`: audio a
/// phone line plays as it is, with no resampling.
public struct ElevenLabsSpeechClient: SpeechSynthesizer {
    public static let defaultBaseURL = "https://api.elevenlabs.io"
    public static let defaultModel = "eleven_flash_v2_5"

    public let baseURL: String
    public let apiKey: String
    public let model: String
    let stream: SpeechStream

    public init(baseURL: String = ElevenLabsSpeechClient.defaultBaseURL, apiKey: String, model: String = ElevenLabsSpeechClient.defaultModel,
                http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
        stream = SpeechStream(http: http, provider: "elevenlabs")
    }

    public var format: SpeechAudioFormat { .muLaw8000 }
    /// "Rachel", one of ElevenLabs' premade voices.
    public var defaultVoice: String { "21m00Tcm4TlvDq8ikWAM" }

    public func speak(_ text: String, voice: String, language: String, timeout: Duration,
                      onAudio: @escaping @Sendable ([UInt8]) async -> Void) async throws(SpeechFailure) {
        var body: [String: JSONValue] = ["text": .string(text), "model_id": .string(model)]
        // A two-letter code steers the pronunciation of the models that take one.
        let code = LanguageTag.primary(language)
        if code.count == 2 { body["language_code"] = .string(code) }
        let voicePath = voice.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? voice
        try await stream.post(url: "\(baseURL)/v1/text-to-speech/\(voicePath)/stream?output_format=ulaw_8000&optimize_streaming_latency=3",
                              headers: [("Content-Type", "application/json"), ("xi-api-key", apiKey)],
                              body: Data(JSONValue.object(body).text.utf8), timeout: timeout, onAudio: onAudio)
    }
}
