import Foundation
@testable import QueueEngine
import Testing
import TestSupport

/// A kind with `deleteWhenCompleted` leaves no row behind when a job completes, only a count per
/// queue and kind; its failures, discards and stale acks behave as every other kind's.
@Suite(.timeLimit(.minutes(3))) struct DeleteWhenCompletedTests {
    struct DisposableJob: JobKind {
        typealias Args = ScriptArgs
        static let name = "test.disposable"
        static var defaults: JobDefaults {
            var defaults = ScriptedJob.defaults
            defaults.deleteWhenCompleted = true
            return defaults
        }

        let inner: ScriptedJob

        func run(_ args: ScriptArgs, context: JobContext) async throws -> JobOutcome { try await inner.run(args, context: context) }
    }

    static func completedAndDeleted(_ harness: TestHarness) async throws -> Int64 {
        try await harness.store.deletedCompletions().first { $0.queue == harness.queueName && $0.kind == DisposableJob.name }?.completed ?? 0
    }

    @Test func completedJobsAreDeletedAndCountedAndEveryOtherEndingIsKept() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            var registry = JobRegistry.scripted(probe)
            registry.register(DisposableJob(inner: ScriptedJob(probe: probe)))
            var disposable: [Int64] = []
            for _ in 0..<5 { disposable.append(try await harness.enqueue(DisposableJob.self, ScriptArgs(actions: [.succeed])).id) }
            let retried = try await harness.enqueue(DisposableJob.self, ScriptArgs(actions: [.fail, .succeed])).id
            let discarded = try await harness.enqueue(DisposableJob.self, ScriptArgs(actions: [.discard])).id
            let kept = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id
            try await harness.withWorker(harness.workerConfiguration(), registry: registry) { _ in
                try await harness.waitFor(kept)
                try await harness.waitFor(discarded)
                try await expectEventually { try await Self.completedAndDeleted(harness) == 6 }
            }
            #expect(try await harness.countByState() == [.completed: 1, .discarded: 1], "only the other kind's completion and the discard")
            #expect(try await harness.job(discarded).errorsJSON.contains("scripted discard"))
            #expect(probe.attempts(retried) == [1, 2], "the failed attempt was retried before its row went")
            for id in disposable + [retried] {
                await #expect(throws: (any Error).self, "job \(id) is gone") { _ = try await harness.job(id) }
            }
        }
    }

    @Test func aStaleAckDeletesNothing() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(DisposableJob.self, ScriptArgs(actions: [.succeed])).id
            let claimed = try #require(try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "w", lease: .seconds(60)).first)
            let done = Completion.Result.completed(resultJSON: nil)
            let stale = Completion(jobID: id, leaseToken: claimed.leaseToken + 1, result: done, deleteIfCompleted: true)
            #expect(try await harness.store.acknowledge([stale], workerID: "w") == [id], "rejected as stale")
            #expect(try await harness.job(id).state == .running)
            #expect(try await Self.completedAndDeleted(harness) == 0)
            let current = Completion(jobID: id, leaseToken: claimed.leaseToken, result: done, deleteIfCompleted: true)
            #expect(try await harness.store.acknowledge([current], workerID: "w").isEmpty)
            #expect(try await harness.countByState().isEmpty)
            #expect(try await Self.completedAndDeleted(harness) == 1)
            let failed = Completion(jobID: id, leaseToken: claimed.leaseToken, result: .discarded(error: "x"), deleteIfCompleted: true)
            #expect(!failed.deletesRow, "only a completion deletes")
        }
    }
}
