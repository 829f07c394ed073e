import Foundation
import Synchronization
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(2))) struct CompletionBatcherTests {
    /// A flush that starts for one ending and finds a backlog behind it writes the backlog in full
    /// batches: kept at the size it started with, it wrote one ending per transaction for as long as
    /// endings kept coming, and a busy worker fell to a few thousand jobs a second.
    @Test func aBacklogThatBuildsDuringAFlushIsWrittenInFullBatches() async throws {
        let written = try await batchSizes(total: 201, maxBatch: 50, concurrency: 1)
        #expect(written.first == 1)
        #expect(written.count == 1 + 200 / 50, "batch sizes: \(written)")
    }

    /// A lone flush takes the whole backlog (up to a full batch): the backlog is shared among the
    /// flushes running, not among as many as may run, which wrote it in half batches.
    @Test func aLoneFlushTakesTheWholeBacklog() async throws {
        let written = try await batchSizes(total: 201, maxBatch: 500, concurrency: 2)
        #expect(written == [1, 200], "batch sizes: \(written)")
    }

    /// A backlog found at a signal is shared evenly among the flushes started for it: counted only
    /// once each had started, the first took up to a full batch and left the others less or nothing.
    @Test func concurrentFlushesShareTheBacklogEvenly() async throws {
        try await TestHarness.with { harness in
            let total = 400
            let jobs = try (0..<total).map { _ in try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]),
                                                             options: JobOptions(queue: harness.queueName)) }
            try await harness.queue.enqueueMany(jobs)
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: total, workerID: "w", lease: .seconds(60))
            #expect(claimed.count == total)
            let batcher = CompletionBatcher(store: harness.store, workerID: "w", delay: .zero, maxBatch: 200, concurrency: 4,
                                            logger: harness.logger)
            let sizes = Mutex<[Int]>([])
            batcher.onCommitted { batch, _ in sizes.withLock { $0.append(batch.count) } }
            for job in claimed { batcher.add(Completion(jobID: job.id, leaseToken: job.leaseToken, result: .completed(resultJSON: nil))) }
            let flusher = Task { await batcher.run() }
            try await expectEventually(timeout: .seconds(30)) { sizes.withLock { $0.reduce(0, +) } == total }
            batcher.finish()
            await flusher.value
            #expect(sizes.withLock { $0 } == [100, 100, 100, 100])
            #expect(try await harness.countByState() == [.completed: total])
        }
    }

    /// Adds one ending, then the rest while the flush that took it is still running; returns the
    /// sizes of the batches written, and checks every ending was committed.
    private func batchSizes(total: Int, maxBatch: Int, concurrency: Int) async throws -> [Int] {
        try await TestHarness.with { harness in
            let jobs = try (0..<total).map { _ in try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]),
                                                             options: JobOptions(queue: harness.queueName)) }
            try await harness.queue.enqueueMany(jobs)
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: total, workerID: "w", lease: .seconds(60))
            #expect(claimed.count == total)
            let completions = claimed.map { Completion(jobID: $0.id, leaseToken: $0.leaseToken, result: .completed(resultJSON: nil)) }

            let batcher = CompletionBatcher(store: harness.store, workerID: "w", delay: .zero, maxBatch: maxBatch, concurrency: concurrency,
                                            logger: harness.logger)
            let sizes = Mutex<[Int]>([])
            batcher.onCommitted { batch, _ in
                let first = sizes.withLock { sizes in
                    sizes.append(batch.count)
                    return sizes.count == 1
                }
                // The rest arrive while the flush that took the first one is still running.
                if first { for completion in completions.dropFirst() { batcher.add(completion) } }
            }
            let flusher = Task { await batcher.run() }
            batcher.add(completions[0])
            try await expectEventually(timeout: .seconds(30)) { sizes.withLock { $0.reduce(0, +) } == total }
            batcher.finish()
            await flusher.value

            #expect(try await harness.countByState() == [.completed: total])
            return sizes.withLock { $0 }
        }
    }
}
