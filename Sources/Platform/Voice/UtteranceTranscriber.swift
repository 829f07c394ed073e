import Audio
import Foundation
import Logging
import Providers
import Synchronization

/// What the caller said in an utterance: its 8 kHz samples as a WAV file to an OpenAI-compatible
/// `/v1/audio/transcriptions` (OpenAI, or a self-hosted Whisper server) once it has ended.
public struct UtteranceTranscriber: SpeechRecognizer {
    public let client: TranscriptionClient

    public init(client: TranscriptionClient) {
        self.client = client
    }

    public func begin(callID: UUID, language: String, logger: Logger) -> any UtteranceRecognition {
        RecordedUtterance(transcriber: self, callID: callID, language: language)
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

/// An utterance kept whole until it ends, then transcribed once (counted as the call's work).
final class RecordedUtterance: UtteranceRecognition {
    let transcriber: UtteranceTranscriber
    let callID: UUID
    let language: String
    private let state = Mutex<(samples: [Int16], text: Task<String, any Error>?)>(([], nil))

    init(transcriber: UtteranceTranscriber, callID: UUID, language: String) {
        self.transcriber = transcriber
        self.callID = callID
        self.language = language
    }

    func hear(_ samples: [Int16]) { state.withLock { $0.samples += samples } }

    func text() async throws -> String {
        let task = state.withLock { state in
            if let task = state.text { return task }
            let (samples, transcriber, language) = (state.samples, transcriber, language)
            let task = Task { try await transcriber.text(of: samples, language: language) }
            _ = VoiceTasks.spawn(callID) { _ = try? await task.value }
            state.text = task
            state.samples = []
            return task
        }
        // Waiting is not cancelled with the asking turn: a turn that merges this utterance asks again.
        return try await task.value
    }

    func cancel() { state.withLock { $0.text?.cancel() } }
}
