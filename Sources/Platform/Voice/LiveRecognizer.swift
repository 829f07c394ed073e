import Foundation
import Logging
import Providers
import Synchronization

/// Speech to text that streams (`DEEPGRAM_API_KEY`): each utterance opens a Deepgram stream when
/// the caller starts talking and sends its frames as they come, so its text is ready moments after
/// the utterance ends; Deepgram's interim transcripts are kept as the utterance's partial text.
public struct LiveRecognizer: SpeechRecognizer {
    public let client: DeepgramLiveClient

    public init(client: DeepgramLiveClient) {
        self.client = client
    }

    public func begin(callID: UUID, language: String, logger: Logger) -> any UtteranceRecognition {
        LiveUtterance(client: client, callID: callID, language: language, logger: logger)
    }
}

/// One utterance on its own Deepgram stream, fed through a bounded buffer (30 s of frames).
final class LiveUtterance: UtteranceRecognition {
    private let input: AsyncStream<DeepgramLiveClient.Input>.Continuation
    private let result: Task<String, any Error>
    /// Deepgram's latest interim transcript of the utterance.
    final class Partial: Sendable {
        let text = Mutex("")
    }

    private let latest = Partial()

    init(client: DeepgramLiveClient, callID: UUID, language: String, logger: Logger) {
        let (stream, input) = AsyncStream<DeepgramLiveClient.Input>.makeStream(bufferingPolicy: .bufferingOldest(1_500))
        self.input = input
        let code = LanguageTag.primary(language)
        let latest = self.latest
        let result = Task {
            try await client.transcribe(stream, language: code.count == 2 ? code : nil, logger: logger) { partial in
                latest.text.withLock { $0 = partial }
            }
        }
        self.result = result
        // Counted as the call's work until its stream has closed.
        _ = VoiceTasks.spawn(callID) { _ = try? await result.value }
    }

    /// What Deepgram has heard so far (its latest interim transcript).
    var partial: String { latest.text.withLock { $0 } }

    func hear(_ samples: [Int16]) { input.yield(.audio(samples)) }

    func text() async throws -> String {
        input.yield(.finish)
        input.finish()
        let result = self.result
        return try await withTaskCancellationHandler { try await result.value } onCancel: { result.cancel() }
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func cancel() {
        input.finish()
        result.cancel()
    }
}
