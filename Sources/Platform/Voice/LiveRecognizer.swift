import Foundation
import Logging
import Providers
import ServerSupport
import Synchronization

/// Speech to text that streams (`DEEPGRAM_API_KEY`): each utterance opens a Deepgram stream when
/// the caller starts talking and sends its frames as they come, so its text is ready moments after
/// the utterance ends.
public struct LiveRecognizer: SpeechRecognizer {
    public let client: DeepgramLiveClient

    public init(client: DeepgramLiveClient) {
        self.client = client
    }

    public func begin(callID: UUID, language: String, logger: Logger) -> any UtteranceRecognition {
        LiveUtterance(client: client, callID: callID, language: language, logger: logger)
    }
}

/// One utterance on its own Deepgram stream, fed through a bounded buffer (30 s of frames). Its
/// stream ends when the utterance is finished, cancelled or no longer referenced.
final class LiveUtterance: UtteranceRecognition {
    /// The text Deepgram has so far (final segments and the latest interim one).
    final class SoFar: Sendable {
        let text = Mutex("")
    }

    private let input: AsyncStream<DeepgramLiveClient.Input>.Continuation
    private let result: Task<String, any Error>
    private let soFar = SoFar()
    private let timeout: Duration

    init(client: DeepgramLiveClient, callID: UUID, language: String, logger: Logger) {
        let (stream, input) = AsyncStream<DeepgramLiveClient.Input>.makeStream(bufferingPolicy: .bufferingOldest(1_500))
        self.input = input
        timeout = client.timeout
        let code = LanguageTag.primary(language)
        let soFar = self.soFar
        let result = Task {
            try await client.transcribe(stream, language: code.count == 2 ? code : nil, logger: logger) { text in
                soFar.text.withLock { $0 = text }
            }
        }
        self.result = result
        // Counted as the call's work until its stream has closed.
        _ = VoiceTasks.spawn(callID) { _ = try? await result.value }
    }

    deinit {
        input.finish()
        result.cancel()
    }

    func hear(_ samples: [Int16]) { input.yield(.audio(samples)) }

    /// The utterance's text once Deepgram has finalised it; past the client's timeout (a stream that
    /// stalled), what it had so far, or the failure when it had nothing. Waiting is not cancelled with
    /// the asking turn: a turn that merges this utterance with the next asks again.
    func text() async throws -> String {
        input.yield(.finish)
        input.finish()
        let (result, soFar) = (self.result, self.soFar)
        do {
            return try await Deadline.run(within: timeout) { try await result.value }.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch is Deadline.Exceeded {
            result.cancel()
            let heard = soFar.text.withLock { $0 }.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !heard.isEmpty else { throw DeepgramLiveClient.Failure(description: "Deepgram did not finish the utterance in \(timeout)") }
            return heard
        }
    }

    func cancel() {
        input.finish()
        result.cancel()
    }
}
