/// What a job kind uses when the enqueuer does not say otherwise.
public struct JobDefaults: Sendable, Equatable {
    public static let defaultQueue = "default"
    public static let defaultMaxAttempts = 25
    public static let defaultTimeout: Duration = .seconds(300)

    public var queue: String
    /// Lower numbers run first.
    public var priority: Int16
    public var maxAttempts: Int
    /// A running attempt is cancelled and counted as failed after this long.
    public var timeout: Duration
    public var retryPolicy: RetryPolicy
    /// Delete the row at completion instead of keeping it, for high-volume kinds whose results
    /// nobody reads: the ack does less work and the table stays small. Completions are counted per
    /// queue and kind (`JobStore.deletedCompletions`); a completed job of such a kind can no longer
    /// be read, listed or retried. Failed, discarded and cancelled jobs are kept as always.
    public var deleteWhenCompleted: Bool

    public init(
        queue: String = JobDefaults.defaultQueue,
        priority: Int16 = 0,
        maxAttempts: Int = JobDefaults.defaultMaxAttempts,
        timeout: Duration = JobDefaults.defaultTimeout,
        retryPolicy: RetryPolicy = .default,
        deleteWhenCompleted: Bool = false
    ) {
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.deleteWhenCompleted = deleteWhenCompleted
    }
}
