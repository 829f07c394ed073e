import Foundation
import QueueEngine

/// Summarises a finished call's conversation with its assistant's model: a summary, the outcome,
/// the caller's sentiment and any follow-up, stored with the conversation and sent as a
/// `call.analyzed` event; its tokens are charged once. Enqueued when a call that conversed ends.
public enum AnalyzeCallJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var callID: UUID

        public init(callID: UUID) {
            self.callID = callID
        }
    }

    public static let name = "calls.analyze"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "calls", maxAttempts: 6, timeout: .seconds(120), retryPolicy: RetryPolicy(base: .seconds(10), cap: .seconds(600)))
    }
}
