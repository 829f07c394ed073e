import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing

@Suite(.timeLimit(.minutes(5))) struct EnqueueTests {
    @Test func enqueueStoresKindDefaultsAndOptions() async throws {
        try await TestHarness.with { harness in
            let runAt = Date().addingTimeInterval(3600)
            let result = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(
                priority: 3, runAt: runAt, uniqueKey: nil, workspaceID: "ws-1", tags: ["a", "b"]))
            let job = try await harness.job(result.id)
            #expect(job.kind == ScriptedJob.name)
            #expect(job.queue == harness.queueName)
            #expect(job.state == .available)
            #expect(job.priority == 3)
            #expect(job.maxAttempts == 3)
            #expect(job.workspaceID == "ws-1")
            #expect(job.tags == ["a", "b"])
            #expect(abs(job.runAt.timeIntervalSince(runAt)) < 0.01)
        }
    }

    @Test func duplicateUniqueKeyReturnsTheExistingJob() async throws {
        try await TestHarness.with { harness in
            let key = TestHarness.uniqueName("key")
            let first = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            let second = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.fail]), JobOptions(uniqueKey: key))
            #expect(!first.isDuplicate)
            #expect(second.isDuplicate)
            #expect(second.id == first.id)
            // Once the first is final, the key is free again.
            _ = try await harness.queue.cancel(id: first.id)
            let third = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            #expect(!third.isDuplicate)
            #expect(third.id != first.id)
        }
    }

    @Test func rolledBackTransactionLeavesNoJob() async throws {
        struct Abort: Error {}
        try await TestHarness.with { harness in
            await #expect(throws: Abort.self) {
                try await harness.queue.transaction { transaction in
                    try await transaction.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
                    throw Abort()
                }
            }
            #expect(try await harness.countByState().isEmpty)
            let id = try await harness.queue.transaction { transaction in
                try await transaction.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName)).id
            }
            #expect(try await harness.job(id).state == .available)
        }
    }

    @Test func batchEnqueueInsertsTenThousandInOrder() async throws {
        try await TestHarness.with { harness in
            let jobs = try (0..<10_000).map { index in
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed], sleepMS: index),
                           options: JobOptions(queue: harness.queueName, tags: index % 2 == 0 ? ["even"] : []))
            }
            let results = try await harness.queue.enqueueMany(jobs)
            #expect(results.count == 10_000)
            #expect(results.allSatisfy { !$0.isDuplicate })
            #expect(Set(results.map(\.id)).count == 10_000)
            let probe = try await harness.job(results[1234].id)
            #expect(probe.argsJSON.contains("1234"))
            #expect(probe.tags == ["even"])
            #expect(try await harness.job(results[1235].id).tags == [])
            #expect(try await harness.countByState() == [.available: 10_000])
        }
    }

    @Test func batchEnqueueReportsDuplicatesWithinAndAcrossBatches() async throws {
        try await TestHarness.with { harness in
            let key = TestHarness.uniqueName("key")
            let existing = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            let other = TestHarness.uniqueName("key")
            let options = { (key: String?) in JobOptions(queue: harness.queueName, uniqueKey: key) }
            let results = try await harness.queue.enqueueMany([
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(key)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(other)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(nil)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(other)),
            ])
            #expect(results[0] == EnqueueResult(id: existing.id, isDuplicate: true))
            #expect(!results[1].isDuplicate)
            #expect(!results[2].isDuplicate)
            #expect(results[3] == EnqueueResult(id: results[1].id, isDuplicate: true))
            #expect(try await harness.countByState() == [.available: 3])
        }
    }

    @Test func invalidJobsAreRefusedBeforeTheDatabase() throws {
        #expect(throws: QueueError.self) { try NewJob(kind: "x", argsJSON: "[1]") }
        #expect(throws: QueueError.self) { try NewJob(kind: "", argsJSON: "{}") }
        #expect(throws: QueueError.self) { try NewJob(kind: "x", argsJSON: "{}", options: JobOptions(maxAttempts: 0)) }
        #expect(throws: QueueError.self) {
            try NewJob(kind: "x", argsJSON: "{}", options: JobOptions(concurrency: ConcurrencyLimit(key: "k", limit: 0)))
        }
    }
}
