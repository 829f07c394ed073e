import PostgresNIO
import ServerSupport
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

    /// Watches `connection`, which the caller already has, while `body` runs.
    public func watching<T>(_ connection: PostgresConnection, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        self.connection.withLock { $0 = connection }
        defer { self.connection.withLock { $0 = nil } }
        return try await body(connection)
    }

    var isClosed: Bool { connection.withLock { $0?.isClosed ?? false } }
}

/// Runs `operation` and returns its result, or throws `ReplyTimeout` once `limit` passes without one
/// (no limit when nil), or `ConnectionLost` as soon as the connection `watch` holds has closed.
/// A reply that never comes cannot hold the caller (see `Deadline`).
func withReplyDeadline<T: Sendable>(
    _ limit: Duration?,
    watch: ConnectionWatch? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let closed = watch.map { watch in Deadline.Watch(every: ConnectionWatch.interval) { watch.isClosed ? ConnectionLost() : nil } }
    do {
        return try await Deadline.run(within: limit, watch: closed, operation)
    } catch let exceeded as Deadline.Exceeded {
        throw ReplyTimeout(limit: exceeded.limit)
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
