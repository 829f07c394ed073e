import Logging
import Synchronization

/// Gathers attempt endings and writes them in batches (one UPDATE … FROM unnest per flush), so a
/// worker's throughput does not depend on one round trip per job. A flush starts as soon as a batch
/// is full or `delay` after the first pending ending; endings that arrive during a flush go in the
/// next one. A failed flush is retried with backoff: an ending is never dropped while the worker runs.
final class CompletionBatcher: Sendable {
    private let store: JobStore
    private let delay: Duration
    private let maxBatch: Int
    private let logger: Logger
    private let pending = Mutex<[Completion]>([])
    private let signal: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let staleCount = Atomic<Int>(0)

    init(store: JobStore, delay: Duration, maxBatch: Int, logger: Logger) {
        self.store = store
        self.delay = delay
        self.maxBatch = maxBatch
        self.logger = logger
        (signal, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Acks that were rejected because the lease had been lost (a newer state was kept).
    var rejectedStaleAcks: Int { staleCount.load(ordering: .relaxed) }

    func add(_ completion: Completion) {
        let count = pending.withLock { pending in
            pending.append(completion)
            return pending.count
        }
        if count == 1 || count == maxBatch { continuation.yield() }
    }

    /// Flushes until `finish()` is called, then flushes what is left and returns.
    func run() async {
        for await _ in signal {
            if delay > .zero, pending.withLock({ $0.count }) < maxBatch {
                try? await Task.sleep(for: delay)
            }
            await flushAll(retryingFor: nil)
        }
        await flushAll(retryingFor: .seconds(10))
    }

    func finish() { continuation.finish() }

    private func flushAll(retryingFor limit: Duration?) async {
        let started = ContinuousClock.now
        var backoff: Duration = .milliseconds(50)
        while true {
            let batch = pending.withLock { pending -> [Completion] in
                let batch = Array(pending.prefix(maxBatch))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let stale = try await store.acknowledge(batch)
                backoff = .milliseconds(50)
                if !stale.isEmpty {
                    staleCount.add(stale.count, ordering: .relaxed)
                    logger.warning("stale acks rejected: the lease was lost and a newer state was kept",
                                   metadata: ["job.ids": "\(stale.prefix(20))", "count": "\(stale.count)"])
                }
            } catch {
                pending.withLock { $0.insert(contentsOf: batch, at: 0) }
                if let limit, ContinuousClock.now - started > limit {
                    logger.error("giving up on acks at shutdown; their leases will expire and the jobs be rescued",
                                 metadata: ["count": "\(pending.withLock { $0.count })", "error": "\(logDescription(error))"])
                    return
                }
                logger.warning("ack flush failed; retrying", metadata: ["error": "\(logDescription(error))"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }
}
