import Audio
import Foundation
import Providers

/// What the caller said in an utterance: its 8 kHz samples as a WAV file to an OpenAI-compatible
/// `/v1/audio/transcriptions` (OpenAI, or a self-hosted Whisper server).
public struct UtteranceTranscriber: Sendable {
    public let client: TranscriptionClient

    public init(client: TranscriptionClient) {
        self.client = client
    }

    /// The text, trimmed; empty when the endpoint heard no words.
    public func text(of utterance: [Int16], language: String) async throws(TranscriptionClient.Failure) -> String {
        let code = LanguageTag.primary(language)
        let wav = Data(WAV.pcm16(utterance, sampleRate: 8_000))
        let transcript = try await client.transcribe(wav, filename: "utterance.wav", contentType: "audio/wav",
                                                     language: code.count == 2 ? code : nil)
        return transcript.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
