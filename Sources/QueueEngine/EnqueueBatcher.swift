import PostgresNIO
import Synchronization

/// Turns many concurrent single-job enqueues into few multi-row inserts: group commit for
/// enqueues. One commit then acknowledges a whole batch, which is what lets producers (the HTTP API,
/// handlers, the scheduler) enqueue more jobs per second than PostgreSQL can commit transactions.
/// `JobQueue.enqueue` goes through one; a lone caller still gets the one-row prepared insert.
///
/// No background task: the caller that finds fewer than `concurrentFlushes` flushes under way leads
/// one flush of its own job and what is waiting. When a leader finishes and jobs are still waiting,
/// it hands the lead to the oldest waiter, so every waiting job has a leader and no caller leads
/// more than once (a caller waits for at most the flush under way and its own). A job's result is
/// delivered only after its batch committed; a batch that fails is retried job by job, so one bad
/// job cannot fail its neighbours.
public final class EnqueueBatcher: Sendable {
    public static let defaultMaximumBatch = 1_000
    public static let defaultConcurrentFlushes = 2

    let store: JobStore
    let maximumBatch: Int
    let concurrentFlushes: Int
    /// When set, flushes follow each other on its connection without the pool's checkout.
    let warm: WarmConnection?

    private struct Entry: Sendable {
        let job: NewJob
        let slot: Slot
    }

    private struct State {
        var waiting: [Entry] = []
        var flushing = 0
        var statistics = Statistics()
    }

    /// How much batching happened: jobs per flush is the point of this type.
    public struct Statistics: Sendable, Equatable {
        public var flushes = 0
        public var jobs = 0
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    private let state = Mutex(State())

    public init(store: JobStore, maximumBatch: Int = EnqueueBatcher.defaultMaximumBatch,
                concurrentFlushes: Int = EnqueueBatcher.defaultConcurrentFlushes, warm: WarmConnection? = nil) {
        self.store = store
        self.maximumBatch = max(maximumBatch, 1)
        self.concurrentFlushes = max(concurrentFlushes, 1)
        self.warm = warm
    }

    /// Enqueues one job, batched with whatever else is being enqueued right now; returns after the
    /// job is committed.
    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        let entry = Entry(job: job, slot: Slot())
        let leads = state.withLock { state in
            guard state.flushing < concurrentFlushes else {
                state.waiting.append(entry)
                return false
            }
            state.flushing += 1
            return true
        }
        if leads {
            // Nobody is waiting (jobs wait only while every flush is taken), yet the callers one
            // commit resumed arrive one after another: without this yield the first flushed alone
            // while the rest queued behind it (16 callers made 5 jobs a flush, each with its own WAL
            // fsync). A lone caller's yield costs next to nothing.
            await Task.yield()
            await flush(leading: entry)
        }
        while true {
            switch await entry.slot.next() {
            case .done(let result): return try result.get()
            case .lead: await flush(leading: entry)
            }
        }
    }

    /// Inserts the leader's job with the oldest waiting ones in one statement, then hands the lead
    /// to the oldest job still waiting (taken out of the queue, so only its own caller completes it)
    /// or gives the lead up.
    private func flush(leading own: Entry) async {
        let batch = state.withLock { state in
            let taken = Array(state.waiting.prefix(maximumBatch - 1))
            state.waiting.removeFirst(taken.count)
            state.statistics.flushes += 1
            state.statistics.jobs += taken.count + 1
            return [own] + taken
        }
        let store = self.store
        do {
            if batch.count == 1 {
                // Alone: the prepared one-row insert, in the caller's own task.
                own.slot.deliver(.done(.success(try await store.insert(own.job, preferring: warm))))
            } else {
                // The batch belongs to all its callers: the leader's cancellation (its client went
                // away) must not cancel the insert, so it runs in a task that does not inherit it.
                let jobs = batch.map(\.job)
                let warm = self.warm
                let results = try await Task { try await store.insertMany(jobs, preferring: warm) }.value
                for (entry, result) in zip(batch, results) { entry.slot.deliver(.done(.success(result))) }
            }
        } catch let error as PSQLError where error.serverInfo != nil && batch.count > 1 {
            // The server refused the statement: find the job it was about, one by one.
            for entry in batch {
                do {
                    entry.slot.deliver(.done(.success(try await store.insert(entry.job))))
                } catch {
                    entry.slot.deliver(.done(.failure(error)))
                }
            }
        } catch {
            // The database is unreachable, the batch failed as a whole or the lone job was refused:
            // every caller hears it.
            for entry in batch { entry.slot.deliver(.done(.failure(error))) }
        }
        let successor = state.withLock { state -> Entry? in
            guard !state.waiting.isEmpty else {
                state.flushing -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        successor?.slot.deliver(.lead)
    }

    /// What a waiting caller is told: its job's outcome, or that it leads the next flush.
    enum Message: Sendable {
        case done(Result<EnqueueResult, any Error>)
        case lead
    }

    /// A waiting caller's mailbox; messages may arrive before the caller waits.
    final class Slot: Sendable {
        private let state = Mutex<(messages: [Message], waiter: CheckedContinuation<Message, Never>?)>(([], nil))

        func deliver(_ message: Message) {
            let waiter = state.withLock { state -> CheckedContinuation<Message, Never>? in
                if let waiter = state.waiter {
                    state.waiter = nil
                    return waiter
                }
                state.messages.append(message)
                return nil
            }
            waiter?.resume(returning: message)
        }

        func next() async -> Message {
            await withCheckedContinuation { continuation in
                let message = state.withLock { state -> Message? in
                    if state.messages.isEmpty {
                        state.waiter = continuation
                        return nil
                    }
                    return state.messages.removeFirst()
                }
                if let message { continuation.resume(returning: message) }
            }
        }
    }
}
