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
        try await TestHarness.with { harness in
            let (total, maxBatch) = (201, 50)
            let jobs = try (0..<total).map { _ in try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]),
                                                             options: JobOptions(queue: harness.queueName)) }
            try await harness.queue.enqueueMany(jobs)
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: total, workerID: "w", lease: .seconds(60))
            #expect(claimed.count == total)
            let completions = claimed.map { Completion(jobID: $0.id, leaseToken: $0.leaseToken, result: .completed(resultJSON: nil)) }

            let batcher = CompletionBatcher(store: harness.store, workerID: "w", delay: .zero, maxBatch: maxBatch, concurrency: 1,
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

            let written = sizes.withLock { $0 }
            #expect(written.first == 1)
            #expect(written.count == 1 + (total - 1) / maxBatch, "batch sizes: \(written)")
            #expect(try await harness.countByState() == [.completed: total])
        }
    }
}
