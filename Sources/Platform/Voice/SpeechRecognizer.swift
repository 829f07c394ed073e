import Foundation
import Logging

/// Speech to text for streamed calls: an utterance is begun when the caller starts talking, hears
/// every frame of it as it comes, and answers its text once it has ended. A recogniser that streams
/// (Deepgram) transcribes while the caller talks; one that does not (an OpenAI-compatible
/// transcription endpoint) sends the whole utterance at its end.
public protocol SpeechRecognizer: Sendable {
    /// A new utterance of the call `callID` in `language` (a BCP-47 tag); its work counts in `VoiceTasks`.
    func begin(callID: UUID, language: String, logger: Logger) -> any UtteranceRecognition
}

/// One utterance being recognised.
public protocol UtteranceRecognition: Sendable {
    /// The next 8 kHz samples of the utterance (cheap: called for every 20 ms frame).
    func hear(_ samples: [Int16])
    /// The utterance's text once it ended (trimmed; empty when no words were heard). Asking again
    /// answers the same text without recognising it again.
    func text() async throws -> String
    /// The utterance is not needed (the call ended, or the assistant was not listening).
    func cancel()
}
