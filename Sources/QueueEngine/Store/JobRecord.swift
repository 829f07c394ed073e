import Foundation

/// A job as stored, for inspection (CLI, API, dashboard).
public struct JobRecord: Sendable, Codable, Equatable {
    public let id: Int64
    public let kind: String
    public let queue: String
    public let state: JobState
    public let argsJSON: String
    public let priority: Int16
    public let attempt: Int
    public let maxAttempts: Int
    public let runAt: Date
    public let createdAt: Date
    public let attemptedAt: Date?
    public let finishedAt: Date?
    public let workerID: String?
    public let uniqueKey: String?
    public let workspaceID: String?
    public let tags: [String]
    /// JSON array of `{"attempt", "at", "error"}`.
    public let errorsJSON: String
    public let resultJSON: String?
    public let progress: Int?
    public let progressMessage: String?
    public let cancelRequested: Bool
    /// The W3C `traceparent` of the request or job that enqueued this job, if it was traced.
    public let traceparent: String?
}

/// One queue's depth and age, from `JobStore.stats()`.
public struct QueueStats: Sendable, Codable, Equatable {
    public let queue: String
    /// Available and due now.
    public let ready: Int
    /// Available with a future run_at (scheduled or waiting to retry).
    public let scheduled: Int
    public let running: Int
    /// Seconds since the oldest ready job became due; 0 when none is ready.
    public let oldestReadyAgeSeconds: Double
    public let paused: Bool
    /// Ready and not held back by a concurrency key: what workers could start now.
    public var runnable: Int = 0
    /// Seconds since the oldest runnable job became due; 0 when none is.
    public var oldestRunnableAgeSeconds: Double = 0
}

/// How many jobs of one kind in one queue completed with their rows deleted.
public struct DeletedCompletions: Sendable, Codable, Equatable {
    public let queue: String
    public let kind: String
    public let completed: Int64
}

/// Which jobs `JobStore.list` returns, newest first.
public struct JobFilter: Sendable, Equatable {
    public var queue: String?
    public var state: JobState?
    public var kind: String?
    public var workspaceID: String?
    /// Only jobs with an id below this (cursor pagination).
    public var beforeID: Int64?
    /// Jobs whose id is this number, or whose kind or arguments contain this text (any case).
    public var search: String?
    public var limit: Int

    public init(queue: String? = nil, state: JobState? = nil, kind: String? = nil, workspaceID: String? = nil,
                beforeID: Int64? = nil, search: String? = nil, limit: Int = 50) {
        self.queue = queue
        self.state = state
        self.kind = kind
        self.workspaceID = workspaceID
        self.beforeID = beforeID
        self.search = search
        self.limit = limit
    }
}
