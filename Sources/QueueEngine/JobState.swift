/// The life of a job. `available` with a future `runAt` is a scheduled (or retrying) job.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case available
    case running
    case completed
    case discarded
    case cancelled

    /// Final states never change again except by a manual retry.
    public var isFinal: Bool {
        switch self {
        case .available, .running: false
        case .completed, .discarded, .cancelled: true
        }
    }
}
