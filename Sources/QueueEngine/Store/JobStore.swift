import Foundation
import Logging
import PostgresNIO

/// Every SQL statement of the queue engine, written once. Anything that reads or changes jobs goes
/// through here; handlers and routes never write queue SQL of their own.
public struct JobStore: Sendable {
    public let client: PostgresClient
    let logger: Logger
    /// How long the worker's, scheduler's and producers' statements wait for a reply (see `ReplyTimeout`).
    public let replyTimeout: Duration

    public static let defaultReplyTimeout: Duration = .seconds(30)

    public init(client: PostgresClient, logger: Logger, replyTimeout: Duration = JobStore.defaultReplyTimeout) {
        self.client = client
        self.logger = logger
        self.replyTimeout = replyTimeout
    }

    /// Runs one engine operation under the reply deadline (directly when the deadline is off).
    func bounded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        guard replyTimeout > .zero else { return try await operation() }
        return try await withReplyDeadline(replyTimeout, operation)
    }

    /// Runs `body` on one pooled connection (`warm`'s when one of its is free) under the reply
    /// deadline; a connection that closes while `body` waits ends the wait within
    /// `ConnectionWatch.interval` (`ConnectionLost`).
    func onConnection<T: Sendable>(preferring warm: WarmConnection? = nil,
                                   _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let watch = ConnectionWatch()
        return try await withReplyDeadline(replyTimeout > .zero ? replyTimeout : nil, watch: watch) { [client] in
            let pooled = { try await watch.withConnection(client, body) }
            guard let warm else { return try await pooled() }
            return try await warm.withConnection({ try await watch.watching($0, body) }, pooled: pooled)
        }
    }

    /// Columns returned for a claimed job, in the order `decodeClaimed` reads them.
    static let claimedColumns = """
        j.id, j.kind, j.queue, j.args::text, j.attempt, j.max_attempts, j.lease_token, j.timeout_ms,
        j.workspace_id, j.run_at, j.trace_parent
        """

    static func decodeClaimed(_ row: PostgresRow) throws -> ClaimedJob {
        let (id, kind, queue, args, attempt, maxAttempts, token, timeoutMS, workspace, runAt, traceparent) =
            try row.decode((Int64, String, String, String, Int, Int, Int32, Int?, String?, Date, String?).self)
        return ClaimedJob(
            id: id, kind: kind, queue: queue, argsJSON: args, attempt: attempt, maxAttempts: maxAttempts,
            leaseToken: token, timeout: timeoutMS.map { .milliseconds($0) }, workspaceID: workspace, runAt: runAt,
            traceparent: traceparent)
    }

    /// Columns of a full job record, in the order `decodeRecords` reads them.
    static let recordColumns = """
        id, kind, queue, state::text, args::text, priority, attempt, max_attempts, run_at, created_at,
        attempted_at, finished_at, worker_id, unique_key, workspace_id, tags, errors::text, result::text,
        progress, progress_message, cancel_requested_at IS NOT NULL, trace_parent
        """

    static func decodeRecords(_ rows: PostgresRowSequence) async throws -> [JobRecord] {
        var records: [JobRecord] = []
        for try await row in rows {
            let (id, kind, queue, state, args, priority, attempt, maxAttempts, runAt, createdAt, attemptedAt,
                 finishedAt, workerID, uniqueKey, workspaceID, tags, errors, result, progress, progressMessage,
                 cancelRequested, traceparent) = try row.decode(
                    (Int64, String, String, String, String, Int16, Int, Int, Date, Date, Date?, Date?, String?,
                     String?, String?, [String], String, String?, Int?, String?, Bool, String?).self)
            records.append(JobRecord(
                id: id, kind: kind, queue: queue, state: JobState(rawValue: state) ?? .available, argsJSON: args,
                priority: priority, attempt: attempt, maxAttempts: maxAttempts, runAt: runAt, createdAt: createdAt,
                attemptedAt: attemptedAt, finishedAt: finishedAt, workerID: workerID, uniqueKey: uniqueKey,
                workspaceID: workspaceID, tags: tags, errorsJSON: errors, resultJSON: result, progress: progress,
                progressMessage: progressMessage, cancelRequested: cancelRequested, traceparent: traceparent))
        }
        return records
    }
}

extension PSQLError {
    /// SQLSTATE 23505: a unique index refused the row.
    var isUniqueViolation: Bool { serverInfo?[.sqlState] == "23505" }
}
