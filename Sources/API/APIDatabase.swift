import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// The database as the routes use it: reads on a watched pooled connection, and changes in one
/// transaction with the jobs they enqueue and their audit rows.
struct APIDatabase: Sendable {
    let client: PostgresClient
    let queue: JobQueue
    let logger: Logger

    /// A read on one pooled connection, watched: a connection lost under it fails the read at once.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withWatchedConnection(body)
    }

    /// A change and its audit row in one transaction; jobs enqueued through `JobTransaction` exist
    /// only if it commits. Watched and under the reply deadline like the engine's own statements.
    func write<T: Sendable>(_ body: @escaping @Sendable (JobTransaction) async throws -> T) async throws -> T {
        try await queue.watchedTransaction(body)
    }
}
