import Logging

/// What a handler knows about the attempt it runs.
public struct JobContext: Sendable {
    public let jobID: Int64
    public let kind: String
    public let queue: String
    /// 1 on the first attempt.
    public let attempt: Int
    public let maxAttempts: Int
    public let workspaceID: String?
    public let logger: Logger
    let progressReporter: @Sendable (Int, String?) async throws -> Void

    /// Stable across all attempts of this job: hand it to providers that deduplicate requests.
    public var idempotencyKey: String { "job-\(jobID)" }

    public init(
        jobID: Int64, kind: String, queue: String, attempt: Int, maxAttempts: Int, workspaceID: String?,
        logger: Logger, progressReporter: @escaping @Sendable (Int, String?) async throws -> Void
    ) {
        self.jobID = jobID
        self.kind = kind
        self.queue = queue
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workspaceID = workspaceID
        self.logger = logger
        self.progressReporter = progressReporter
    }

    /// Records progress (0–100 and an optional message) on the job row, visible through the API.
    public func reportProgress(_ percent: Int, _ message: String? = nil) async throws {
        try await progressReporter(min(max(percent, 0), 100), message)
    }
}
