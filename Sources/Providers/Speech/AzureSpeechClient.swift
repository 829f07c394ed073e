import AsyncHTTPClient
import Foundation

/// Azure's speech REST API (`POST /cognitiveservices/v1` with SSML), asked for
/// `raw-8khz-8bit-mono-mulaw`: audio a phone line plays as it is.
public struct AzureSpeechClient: SpeechSynthesizer {
    /// `https://{region}.tts.speech.microsoft.com`.
    public let endpoint: String
    public let apiKey: String
    let stream: SpeechStream

    public init(endpoint: String, apiKey: String, http: HTTPClient = .shared) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.apiKey = apiKey
        stream = SpeechStream(http: http, provider: "azure")
    }

    public var format: SpeechAudioFormat { .muLaw8000 }
    public var defaultVoice: String { "en-US-JennyNeural" }

    public func speak(_ text: String, voice: String, language: String, timeout: Duration,
                      onAudio: @escaping @Sendable ([UInt8]) async -> Void) async throws(SpeechFailure) {
        let lang = MarkupText.escape(language)
        let ssml = "<speak version='1.0' xml:lang='\(lang)'><voice xml:lang='\(lang)' name='\(MarkupText.escape(voice))'>"
            + MarkupText.escape(text) + "</voice></speak>"
        try await stream.post(url: "\(endpoint)/cognitiveservices/v1", headers: [
            ("Content-Type", "application/ssml+xml"), ("X-Microsoft-OutputFormat", "raw-8khz-8bit-mono-mulaw"),
            ("Ocp-Apim-Subscription-Key", apiKey), ("User-Agent", "VoicePartnerAI"),
        ], body: Data(ssml.utf8), timeout: timeout, onAudio: onAudio)
    }
}
