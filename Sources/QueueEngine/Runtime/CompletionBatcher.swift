import Logging
import Synchronization

/// Gathers attempt endings and writes them in batches (one UPDATE … FROM unnest per flush), so a
/// worker's throughput does not depend on one round trip per job. A flush starts as soon as a batch
/// is full or `delay` after the first pending ending; endings that arrive during a flush go in the
/// next one. A failed flush is retried with backoff: an ending is never dropped while the worker runs.
final class CompletionBatcher: Sendable {
    private let store: JobStore
    private let workerID: String
    private let delay: Duration
    private let maxBatch: Int
    private let concurrency: Int
    private let logger: Logger
    private let pending = Mutex<[Completion]>([])
    /// Completions being written right now; with `pending`, their leases are still renewed so a slow
    /// flush never lets a finished job's lease lapse into a rescue and a second run.
    private let flushing = Mutex<Set<RunningJobs.Attempt>>([])
    private let signal: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let staleCount = Atomic<Int>(0)
    /// Flushes under way (counted by `run`), which share the backlog between them.
    private let activeFlushes = Atomic<Int>(0)
    private let committedHandler = Mutex<CommittedHandler?>(nil)

    /// The handler is held by a class: a closure kept in the `Mutex` itself came back from every
    /// `withLock { $0 }` wrapped in one more reabstraction thunk, so each call ran through every earlier
    /// one. A worker that flushed many small batches spent most of its CPU there, and its memory grew.
    private final class CommittedHandler: Sendable {
        let call: @Sendable ([Completion], Set<Int64>) -> Void
        init(_ call: @escaping @Sendable ([Completion], Set<Int64>) -> Void) { self.call = call }
    }

    init(store: JobStore, workerID: String, delay: Duration, maxBatch: Int, concurrency: Int, logger: Logger) {
        self.store = store
        self.workerID = workerID
        self.delay = delay
        self.maxBatch = maxBatch
        self.concurrency = max(1, concurrency)
        self.logger = logger
        (signal, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Acks that were rejected because the lease had been lost (a newer state was kept).
    var rejectedStaleAcks: Int { staleCount.load(ordering: .relaxed) }

    /// Called with every batch once it is committed (or given up on at shutdown), and the ids of its
    /// endings that were refused as stale.
    func onCommitted(_ handler: @escaping @Sendable ([Completion], Set<Int64>) -> Void) {
        committedHandler.withLock { $0 = CommittedHandler(handler) }
    }

    private func committed(_ batch: [Completion], stale: Set<Int64> = []) {
        committedHandler.withLock { $0 }?.call(batch, stale)
    }

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
            // Several flushes at once when a backlog built up during the last one.
            let backlog = pending.withLock { $0.count }
            let flushes = min(concurrency, max(1, backlog / max(1, maxBatch / 4)))
            let batchSize = min(maxBatch, (backlog + flushes - 1) / flushes)
            // Counted before any starts, so the first to start shares the backlog with the others.
            activeFlushes.add(flushes, ordering: .relaxed)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<flushes {
                    group.addTask {
                        await self.flushAll(batchSize: batchSize, retryingFor: nil)
                        self.activeFlushes.subtract(1, ordering: .relaxed)
                    }
                }
            }
        }
        activeFlushes.add(1, ordering: .relaxed)
        await flushAll(batchSize: maxBatch, retryingFor: .seconds(10))
        activeFlushes.subtract(1, ordering: .relaxed)
    }

    func finish() { continuation.finish() }

    /// Leases of endings not yet committed, for the heartbeat.
    func unflushedLeases() -> [(id: Int64, leaseToken: Int32)] {
        let queued = pending.withLock { $0.map { ($0.jobID, $0.leaseToken) } }
        let writing = flushing.withLock { $0.map { ($0.jobID, $0.leaseToken) } }
        return queued + writing
    }

    private func flushAll(batchSize: Int, retryingFor limit: Duration?) async {
        let started = ContinuousClock.now
        var backoff: Duration = .milliseconds(50)
        while true {
            let sharers = max(1, activeFlushes.load(ordering: .relaxed))
            let batch = pending.withLock { pending -> [Completion] in
                // What piled up while the last batch committed sets the next one's size, not only the
                // size the flush started with: started for one ending, a flush kept at one per
                // transaction while thousands waited, and a busy worker fell to a few thousand jobs/s.
                // The backlog is shared among the flushes running, not the most that may run.
                let size = min(maxBatch, max(batchSize, (pending.count + sharers - 1) / sharers))
                let batch = Array(pending.prefix(max(1, size)))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            let attempts = batch.map(RunningJobs.Attempt.init)
            flushing.withLock { $0.formUnion(attempts) }
            defer { flushing.withLock { $0.subtract(attempts) } }
            do {
                let stale = try await store.acknowledge(batch, workerID: workerID)
                committed(batch, stale: Set(stale))
                backoff = .milliseconds(50)
                if !stale.isEmpty {
                    staleCount.add(stale.count, ordering: .relaxed)
                    logger.warning("stale acks rejected: the lease was lost and a newer state was kept",
                                   metadata: ["job.ids": "\(stale.prefix(20))", "count": "\(stale.count)"])
                }
            } catch {
                pending.withLock { $0.insert(contentsOf: batch, at: 0) }
                if let limit, ContinuousClock.now - started > limit {
                    committed(pending.withLock { $0 })
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
