import Foundation
import QueueEngine

/// Transcribes a call's recording: downloads it from Twilio (size-limited), sends it to the
/// transcription endpoint, stores text, segments and language on the call and charges the audio's
/// minutes once. Enqueued by the status webhook when a recording is available.
public enum TranscribeCallJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var callID: UUID

        public init(callID: UUID) {
            self.callID = callID
        }
    }

    public static let name = "calls.transcribe"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "transcription", maxAttempts: 6, timeout: .seconds(900), retryPolicy: RetryPolicy(base: .seconds(10), cap: .seconds(900)))
    }
}
