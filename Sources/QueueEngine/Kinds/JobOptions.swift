import Foundation

/// Per-job choices that override the kind's defaults.
public struct JobOptions: Sendable, Equatable {
    public var queue: String?
    public var priority: Int16?
    /// When the job becomes claimable; `delay` is added to now when `runAt` is nil.
    public var runAt: Date?
    public var delay: Duration?
    public var maxAttempts: Int?
    public var timeout: Duration?
    /// Among non-final jobs at most one has this key; enqueueing a duplicate returns the existing job.
    public var uniqueKey: String?
    public var workspaceID: String?
    public var tags: [String]
    /// At most `limit` jobs sharing `key` run at once across all workers.
    public var concurrency: ConcurrencyLimit?

    public init(
        queue: String? = nil, priority: Int16? = nil, runAt: Date? = nil, delay: Duration? = nil,
        maxAttempts: Int? = nil, timeout: Duration? = nil, uniqueKey: String? = nil,
        workspaceID: String? = nil, tags: [String] = [], concurrency: ConcurrencyLimit? = nil
    ) {
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.delay = delay
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.uniqueKey = uniqueKey
        self.workspaceID = workspaceID
        self.tags = tags
        self.concurrency = concurrency
    }
}

/// A global cap on running jobs that share a key, e.g. `outbound_call:<workspace>` with limit 2.
public struct ConcurrencyLimit: Sendable, Equatable {
    public var key: String
    public var limit: Int

    public init(key: String, limit: Int) {
        self.key = key
        self.limit = limit
    }
}
