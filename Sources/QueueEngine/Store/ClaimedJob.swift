import Foundation

/// A job a worker claimed: what it needs to run the attempt and to ack it.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let queue: String
    public let argsJSON: String
    /// This attempt's number (1-based).
    public let attempt: Int
    public let maxAttempts: Int
    /// Proves this claim when acking; a newer claim of the same job has a larger token.
    public let leaseToken: Int32
    public let timeout: Duration?
    public let workspaceID: String?
    /// When the job became runnable, for wait-time measurements.
    public let runAt: Date
    /// The `traceparent` stored when the job was enqueued; the attempt runs as a child span of it.
    public let traceparent: String?
}
