import PostgresNIO
import Synchronization

/// A database reply that did not come in time.
///
/// PostgresNIO writes a query to its connection without watching the write. When PostgreSQL has just
/// closed that connection (a restart, a failover) the write fails unseen and the query's reply never
/// arrives, so its `await` never returns. One such ack or claim wedged a whole worker: its jobs ran,
/// their acks queued behind the lost one, and the heartbeat kept their leases alive. Every engine
/// statement is therefore bounded; the loops that make them already retry on error.
public struct ReplyTimeout: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no reply from PostgreSQL within \(limit); the connection was probably lost" }
}

/// The connection a bounded operation leased closed while it waited: its reply will never come.
/// Found within `ConnectionWatch.interval`, instead of at the reply deadline.
public struct ConnectionLost: Error, CustomStringConvertible {
    public var description: String { "the PostgreSQL connection closed while a statement waited for its reply" }
}

/// The connection an operation leased, so the deadline's timer can see it close. A write to a
/// connection the server has just closed is lost without an error (see `ReplyTimeout`); its channel
/// is inactive, though, and that is what the watch looks at.
public final class ConnectionWatch: Sendable {
    /// How often a waiting operation's connection is looked at.
    public static let interval: Duration = .milliseconds(100)
    private let connection = Mutex<PostgresConnection?>(nil)

    public init() {}

    /// Leases a connection from `client` for `body`, watched while `body` runs.
    public func withConnection<T: Sendable>(_ client: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            self.connection.withLock { $0 = connection }
            defer { self.connection.withLock { $0 = nil } }
            return try await body(connection)
        }
    }

    var isClosed: Bool { connection.withLock { $0?.isClosed ?? false } }
}

/// Runs `operation` and returns its result, or throws `ReplyTimeout` once `limit` passes without one
/// (no limit when nil), or `ConnectionLost` as soon as the connection `watch` holds has closed.
///
/// The operation runs in a task of its own, so a reply that never comes cannot hold the caller: at
/// the deadline that task is cancelled and left behind. Cancelling the caller ends the wait at once.
func withReplyDeadline<T: Sendable>(
    _ limit: Duration?,
    watch: ConnectionWatch? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.begin(continuation)
            race.add(Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            })
            race.add(Task {
                let deadline = limit.map { ContinuousClock.now + $0 }
                while true {
                    var wait = watch == nil ? Duration.seconds(3_600) : ConnectionWatch.interval
                    if let limit, let deadline {
                        let left = deadline - .now
                        if left <= .zero { return race.finish(.failure(ReplyTimeout(limit: limit))) }
                        wait = min(wait, left)
                    }
                    do { try await Task.sleep(for: wait) } catch { return }
                    if watch?.isClosed == true { return race.finish(.failure(ConnectionLost())) }
                }
            })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, the deadline and the caller's cancellation to finish wins; the others
/// are cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if state.result == nil { state.continuation = continuation }
            return state.result
        }
        if let early { continuation.resume(with: early) }
    }

    func add(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if state.result == nil { state.tasks.append(task) }
            return state.result != nil
        }
        if finished { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            defer { state.continuation = nil; state.tasks = [] }
            return (state.continuation, state.tasks)
        }
        continuation?.resume(with: result)
        for task in tasks { task.cancel() }
    }
}

extension PostgresClient {
    /// Runs `body` on one pooled connection; a connection that closes while `body` waits ends the
    /// wait within `ConnectionWatch.interval` (`ConnectionLost`), and `deadline` (none when nil)
    /// bounds it (`ReplyTimeout`).
    public func withWatchedConnection<T: Sendable>(deadline: Duration? = nil,
                                                   _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let watch = ConnectionWatch()
        return try await withReplyDeadline(deadline, watch: watch) { try await watch.withConnection(self, body) }
    }
}
