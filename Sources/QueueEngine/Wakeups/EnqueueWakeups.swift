import Synchronization

/// Wake-ups for the jobs a transaction enqueues, published once it has committed, so a woken
/// worker always finds them and none waits for the poll. `JobStore.insert`/`insertMany` note the
/// queues; `PostgresConnection.transaction` publishes them after the commit to the publisher of the
/// task: the worker sets its own around every handler, `JobQueue.transaction` its own.
public enum EnqueueWakeups {
    final class Pending: Sendable {
        let queues = Mutex(Set<String>())
    }

    @TaskLocal static var pending: Pending?
    /// Where the wake-ups of transactions in this task go; nil publishes nothing (workers poll).
    @TaskLocal public static var publisher: WakeupPublisher?

    /// `queues` is only read inside a transaction that collects them: batch inserts outside one
    /// (the enqueue batcher, `enqueueMany`) do not pay for it.
    static func note<Queues: Sequence<String>>(_ queues: @autoclosure () -> Queues) {
        guard let pending else { return }
        pending.queues.withLock { $0.formUnion(queues()) }
    }

    /// Runs `transaction`, noting the queues its inserts touch, and publishes them when it returns.
    static func publishingAfter(
        isolation: isolated (any Actor)? = #isolation,
        _ transaction: () async throws -> Void
    ) async throws {
        let pending = Pending()
        try await $pending.withValue(pending, operation: transaction, isolation: isolation)
        let queues = pending.queues.withLock { $0 }
        if !queues.isEmpty { publisher?.notify(queues: queues) }
    }
}
