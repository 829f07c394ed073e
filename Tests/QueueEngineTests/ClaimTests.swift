import Foundation
import PostgresNIO
@testable import QueueEngine
import Synchronization
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct ClaimTests {
    @Test func sixteenConcurrentClaimersClaimEachJobExactlyOnce() async throws {
        try await TestHarness.with { harness in
            let jobs = try (0..<10_000).map { _ in
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
            }
            try await harness.queue.enqueueMany(jobs)
            let claims = try await withThrowingTaskGroup(of: [[Int64]].self) { group in
                for claimer in 0..<16 {
                    group.addTask {
                        var batches: [[Int64]] = []
                        while true {
                            let limit = 1 + (claimer * 7 + batches.count) % 50
                            let claimed = try await harness.store.claim(
                                queue: harness.queueName, limit: limit, workerID: "claimer-\(claimer)", lease: .seconds(60))
                            #expect(claimed.count <= limit)
                            if claimed.isEmpty { return batches }
                            batches.append(claimed.map(\.id))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 10_000)
            #expect(Set(all).count == 10_000)
            #expect(try await harness.countByState() == [.running: 10_000])
        }
    }

    @Test func claimQueryUsesThePartialReadyIndex() async throws {
        try await TestHarness.with { harness in
            try await harness.queue.enqueueMany(try (0..<2_000).map { _ in
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
            })
            try await harness.client.query("ANALYZE queue_jobs", logger: harness.logger)
            // The engine's own statement, planned both ways a prepared statement can be: generic
            // (what a connection settles on after a few runs) and custom for these values.
            for mode in ["force_generic_plan", "force_custom_plan"] {
                let plan = try await harness.client.withConnection { connection in
                    try await connection.query("SET enable_seqscan = off", logger: harness.logger)
                    try await connection.query("SET plan_cache_mode = \(unescaped: mode)", logger: harness.logger)
                    try await connection.query("PREPARE claim_plan(text, bigint, text, float8) AS \(unescaped: ClaimJobsStatement.sql)",
                                               logger: harness.logger)
                    // A utility statement takes no bind parameters; the generated queue name is plain.
                    let rows = try await connection.query(
                        "EXPLAIN EXECUTE claim_plan('\(unescaped: harness.queueName)', 100, 'w', 60)", logger: harness.logger)
                    var lines: [String] = []
                    for try await line in rows.decode(String.self) { lines.append(line) }
                    try await connection.query("DEALLOCATE claim_plan", logger: harness.logger)
                    try await connection.query("RESET plan_cache_mode", logger: harness.logger)
                    try await connection.query("RESET enable_seqscan", logger: harness.logger)
                    return lines.joined(separator: "\n")
                }
                #expect(plan.contains("queue_jobs_ready"), "\(mode) plan: \(plan)")
            }
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: 100, workerID: "w", lease: .seconds(60))
            #expect(claimed.count == 100)
        }
    }

    @Test func claimsFollowPriorityThenRunAt() async throws {
        try await TestHarness.with { harness in
            let low = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(priority: 5))
            let high = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(priority: 1))
            let later = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(priority: 1, delay: .seconds(60)))
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: 10, workerID: "w", lease: .seconds(60))
            #expect(claimed.map(\.id) == [high.id, low.id])
            #expect(try await harness.job(later.id).state == .available)
        }
    }

    @Test func pausedQueueIsNotClaimedUntilResumed() async throws {
        try await TestHarness.with { harness in
            let job = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]))
            try await harness.store.pause(queue: harness.queueName)
            #expect(try await harness.store.claim(queue: harness.queueName, limit: 10, workerID: "w", lease: .seconds(60)).isEmpty)
            #expect(try await harness.store.stats().first { $0.queue == harness.queueName }?.paused == true)
            try await harness.queue.resume(queue: harness.queueName)
            #expect(try await harness.store.claim(queue: harness.queueName, limit: 10, workerID: "w", lease: .seconds(60)).map(\.id) == [job.id])
        }
    }

    @Test func concurrencyLimitHoldsAcrossConcurrentClaimers() async throws {
        try await TestHarness.with { harness in
            let key = TestHarness.uniqueName("ws")
            let other = TestHarness.uniqueName("ws")
            for index in 0..<20 {
                let limit = ConcurrencyLimit(key: index % 2 == 0 ? key : other, limit: 2)
                try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(concurrency: limit))
            }
            let claimed = try await withThrowingTaskGroup(of: [(claimer: String, job: ClaimedJob)].self) { group in
                for claimer in 0..<8 {
                    group.addTask {
                        try await harness.store.claimLimited(queue: harness.queueName, limit: 5, workerID: "c\(claimer)", lease: .seconds(60))
                            .map { ("c\(claimer)", $0) }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 4)
            // Finishing one (by the claimer that holds it) frees exactly one slot of its key.
            let (holder, done) = claimed[0]
            try await harness.store.acknowledge([Completion(jobID: done.id, leaseToken: done.leaseToken, result: .completed(resultJSON: nil))],
                                                workerID: holder)
            let next = try await harness.store.claimLimited(queue: harness.queueName, limit: 5, workerID: "w", lease: .seconds(60))
            #expect(next.count == 1)
        }
    }

    @Test func statsCountReadyScheduledRunningAndOldestAge() async throws {
        try await TestHarness.with { harness in
            for _ in 0..<3 {
                try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(runAt: Date().addingTimeInterval(-30)))
            }
            try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(delay: .seconds(600)))
            _ = try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "w", lease: .seconds(60))
            let stats = try #require(try await harness.store.stats().first { $0.queue == harness.queueName })
            #expect(stats.ready == 2)
            #expect(stats.scheduled == 1)
            #expect(stats.running == 1)
            #expect(stats.oldestReadyAgeSeconds >= 29)
            #expect(!stats.paused)
        }
    }
}
