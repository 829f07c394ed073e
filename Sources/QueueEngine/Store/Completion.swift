/// The recorded end of one attempt, written by the completion batcher in batches.
public struct Completion: Sendable {
    public enum Result: Sendable, Equatable {
        case completed(resultJSON: String?)
        /// Failed; runs again after `delay`. `error` is kept in the job's error list.
        case retry(delay: Duration, error: String)
        /// Runs again after `delay` without spending an attempt.
        case snooze(delay: Duration)
        /// No further attempts.
        case discarded(error: String)
        case cancelled(reason: String)
        /// Handed back unfinished (worker shutdown): available at once, attempt refunded.
        case released
    }

    public let jobID: Int64
    public let leaseToken: Int32
    public let result: Result

    public init(jobID: Int64, leaseToken: Int32, result: Result) {
        self.jobID = jobID
        self.leaseToken = leaseToken
        self.result = result
    }
}
