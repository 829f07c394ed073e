import Foundation
import Logging
import PostgresNIO

/// The engine's front door for producers (API, scheduler, handlers, CLI): enqueue, cancel, retry,
/// inspect. Every enqueue commits before the wake-up is published, so a worker woken by Redis always
/// finds the job; when Redis is down the enqueue still succeeds and workers find it by polling.
///
/// Single enqueues from concurrent callers share statements and commits (`EnqueueBatcher`); copies
/// of a `JobQueue` share its batcher.
public struct JobQueue: Sendable {
    public let store: JobStore
    public let publisher: WakeupPublisher?
    let batcher: EnqueueBatcher
    let logger: Logger

    /// With `poolSize` (the client's), one-by-one enqueues keep up to one pooled connection per
    /// concurrent flush checked out while they keep coming (see `WarmConnection`), as far as the
    /// pool has connections to spare; without it, every flush checks one out of the pool.
    public init(client: PostgresClient, publisher: WakeupPublisher?, logger: Logger,
                replyTimeout: Duration = JobStore.defaultReplyTimeout, poolSize: Int? = nil) {
        self.store = JobStore(client: client, logger: logger, replyTimeout: replyTimeout)
        self.publisher = publisher
        let warm = poolSize.map { WarmConnection.count(wanted: EnqueueBatcher.defaultConcurrentFlushes, poolSize: $0) } ?? 0
        self.batcher = EnqueueBatcher(store: store, warm: warm > 0 ? WarmConnection(client: client, count: warm) : nil)
        self.logger = logger
    }

    /// Enqueues one typed job.
    @discardableResult
    public func enqueue<K: JobDefinition>(_ kind: K.Type, _ args: K.Args, options: JobOptions = JobOptions()) async throws -> EnqueueResult {
        try await enqueue(NewJob(kind, args, options: options))
    }

    /// Enqueues one job; returns once it is committed (possibly in one statement with the jobs
    /// other callers enqueue at the same moment).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        let result = try await batcher.enqueue(job)
        if !result.isDuplicate { publisher?.notify(queues: [job.queue]) }
        return result
    }

    /// Enqueues many jobs in one statement; results are in input order.
    @discardableResult
    public func enqueueMany(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        let results = try await store.insertMany(jobs)
        publisher?.notify(queues: Set(jobs.map(\.queue)))
        return results
    }

    /// Runs `body` in one database transaction in which the caller writes its own rows and enqueues
    /// jobs; the jobs exist if and only if the transaction commits. Wake-ups go out after the commit.
    public func transaction<Result: Sendable>(_ body: (JobTransaction) async throws -> Result) async throws -> Result {
        let logger = self.logger
        return try await EnqueueWakeups.$publisher.withValue(publisher) {
            try await store.client.transaction(logger: logger) { connection in
                try await body(JobTransaction(connection: connection, logger: logger))
            }
        }
    }

    /// `transaction` for a body that may run in a task of its own: under the reply deadline, and a
    /// connection that closes under the transaction ends it within `ConnectionWatch.interval`
    /// (`ConnectionLost`) instead of leaving the caller to wait for a reply that never comes.
    public func watchedTransaction<Result: Sendable>(_ body: @escaping @Sendable (JobTransaction) async throws -> Result) async throws -> Result {
        let logger = self.logger
        return try await EnqueueWakeups.$publisher.withValue(publisher) {
            try await store.onConnection { connection in
                try await connection.transaction(logger: logger) { connection in
                    try await body(JobTransaction(connection: connection, logger: logger))
                }
            }
        }
    }

    /// Cancels a job (see `JobStore.cancel`); a running job's worker is told at once.
    @discardableResult
    public func cancel(id: Int64, workspaceID: String? = nil) async throws -> JobState {
        let (state, _) = try await store.cancel(id: id, workspaceID: workspaceID)
        if state == .running { publisher?.notifyCancel(jobID: id) }
        return state
    }

    /// Runs a discarded or cancelled job again.
    public func retry(id: Int64, workspaceID: String? = nil) async throws {
        let queue = try await store.retry(id: id, workspaceID: workspaceID)
        publisher?.notify(queues: [queue])
    }

    /// Runs every retryable discarded job of a kind again; answers how many.
    @discardableResult
    public func retryDiscarded(kind: String, workspaceID: String? = nil) async throws -> Int {
        let (count, queues) = try await store.retryDiscarded(kind: kind, workspaceID: workspaceID)
        if !queues.isEmpty { publisher?.notify(queues: queues) }
        return count
    }

    /// Cancels every queued or running job `filter` matches, up to `limit` (see `JobStore.cancelMatching`);
    /// the workers of running ones are told at once.
    public func cancelMatching(_ filter: JobFilter, limit: Int = JobStore.bulkLimit) async throws -> BulkOutcome {
        let outcome = try await store.cancelMatching(filter, limit: limit)
        for id in outcome.running { publisher?.notifyCancel(jobID: id) }
        return outcome
    }

    /// Runs every discarded or cancelled job `filter` matches again, up to `limit`.
    public func retryMatching(_ filter: JobFilter, limit: Int = JobStore.bulkLimit) async throws -> BulkOutcome {
        let outcome = try await store.retryMatching(filter, limit: limit)
        if !outcome.queues.isEmpty { publisher?.notify(queues: outcome.queues) }
        return outcome
    }

    public func resume(queue: String) async throws {
        try await store.resume(queue: queue)
        publisher?.notify(queues: [queue])
    }
}

/// A transaction opened by `JobQueue.transaction`: the caller's own queries go to `connection`.
public struct JobTransaction {
    public let connection: PostgresConnection
    let logger: Logger

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    @discardableResult
    public func enqueue<K: JobDefinition>(_ kind: K.Type, _ args: K.Args, options: JobOptions = JobOptions()) async throws -> EnqueueResult {
        try await enqueue(NewJob(kind, args, options: options))
    }

    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try await JobStore.insert(job, on: connection, logger: logger)
    }

    @discardableResult
    public func enqueueMany(_ jobs: [NewJob]) async throws -> [EnqueueResult] {
        try await JobStore.insertMany(jobs, on: connection, logger: logger)
    }
}
