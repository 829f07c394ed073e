import PostgresNIO

extension PostgresClient {
    /// Runs `body` while the client's pool runs, for one-shot work (migrations, CLI commands)
    /// outside a `ServiceGroup`.
    @discardableResult
    public func whileRunning<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await self.run()
                return nil
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }
}

extension PostgresClient {
    /// `withTransaction` that rethrows the closure's own error (not PostgresNIO's wrapper), so callers
    /// see the `QueueError` or their own error types they threw inside the transaction.
    public func transaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await withConnection(isolation: isolation) { connection in
            try await connection.transaction(logger: logger, isolation: isolation, body)
        }
    }
}

extension PostgresConnection {
    /// `withTransaction` on this connection, rethrowing the closure's own error like
    /// `PostgresClient.transaction`. The wake-ups of the jobs it enqueued go out after the commit.
    public func transaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        nonisolated(unsafe) var result: Result?
        try await EnqueueWakeups.publishingAfter(isolation: isolation) {
            do {
                result = try await withTransaction(logger: logger, isolation: isolation, body)
            } catch let error as PostgresTransactionError {
                throw error.closureErrorIfRolledBack
            }
        }
        // Set by the transaction, which returned without throwing.
        return result!
    }
}

extension PostgresTransactionError {
    /// The closure's own error when the rollback went through, else this error.
    var closureErrorIfRolledBack: any Error {
        if let closureError, rollbackError == nil { return closureError }
        return self
    }
}
