import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct LeaseTests {
    @Test func staleAckIsRejectedAndKeepsTheNewerState() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id
            let first = try #require(try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "old",
                                                                   lease: .milliseconds(50)).first)
            try await Task.sleep(for: .milliseconds(100))
            let rescuer = JobRescuer(store: harness.store, publisher: nil, configuration: MaintenanceConfiguration(), logger: harness.logger)
            // Worker processes of other tests rescue too (the rescuer is global), so the job may come
            // back through theirs: claim until the rescued job is handed out again.
            var reclaimed: ClaimedJob?
            try await expectEventually {
                _ = try await rescuer.rescueOnce()
                reclaimed = try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "new", lease: .seconds(60)).first
                return reclaimed != nil
            }
            let second = try #require(reclaimed)
            #expect(second.leaseToken > first.leaseToken)
            // The old worker comes back and acks: rejected, the new claim stays running.
            let rejected = try await harness.store.acknowledge([Completion(jobID: id, leaseToken: first.leaseToken,
                                                                           result: .completed(resultJSON: nil))], workerID: "old")
            #expect(rejected == [id])
            let running = try await harness.job(id)
            #expect(running.state == .running)
            #expect(running.workerID == "new")
            // Its heartbeat no longer holds the job either.
            #expect(try await harness.store.heartbeat([(id, first.leaseToken)], lease: .seconds(60), workerID: "old").isEmpty)
            #expect(try await harness.store.acknowledge([Completion(jobID: id, leaseToken: second.leaseToken,
                                                                    result: .completed(resultJSON: nil))], workerID: "new").isEmpty)
            #expect(try await harness.job(id).state == .completed)
        }
    }

    /// Claims commit without waiting for their WAL flush, so a crash of PostgreSQL can forget one
    /// whose worker already runs the job; the job is then claimed again under the same lease token.
    /// The first worker's ack, heartbeat and progress must not touch the second worker's attempt.
    @Test func aForgottenClaimTakenAgainByAnotherWorkerIsNotEndedByTheFirst() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id
            let first = try #require(try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "first",
                                                                   lease: .seconds(60)).first)
            // The row as it was before the claim, as recovery from a crash leaves a claim it forgot.
            try await harness.client.query("""
                UPDATE queue_jobs SET state = 'available', lease_token = lease_token - 1, attempt = attempt - 1,
                                      worker_id = NULL, lease_expires_at = NULL, attempted_at = NULL
                WHERE id = \(id)
                """, logger: harness.logger)
            let second = try #require(try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "second",
                                                                    lease: .seconds(60)).first)
            #expect(second.leaseToken == first.leaseToken, "the same token handed out twice")

            try await harness.store.reportProgress(jobID: id, leaseToken: first.leaseToken, workerID: "first", percent: 50, message: "old")
            #expect(try await harness.store.heartbeat([(id, first.leaseToken)], lease: .seconds(60), workerID: "first").isEmpty)
            // Every arm of the ack refuses it: the general update, the short one for plain
            // completions, and the delete of a kind whose rows go at completion.
            let done = Completion.Result.completed(resultJSON: #"{"by":"first"}"#)
            let plain = Completion.Result.completed(resultJSON: nil)
            for completion in [Completion(jobID: id, leaseToken: first.leaseToken, result: done),
                               Completion(jobID: id, leaseToken: first.leaseToken, result: plain),
                               Completion(jobID: id, leaseToken: first.leaseToken, result: plain, deleteIfCompleted: true)] {
                #expect(try await harness.store.acknowledge([completion], workerID: "first") == [id], "\(completion)")
            }
            let running = try await harness.job(id)
            #expect(running.state == .running && running.workerID == "second")
            #expect(running.progress == nil || running.progress == 0)

            #expect(try await harness.store.heartbeat([(id, second.leaseToken)], lease: .seconds(60), workerID: "second") == [id: false])
            #expect(try await harness.store.acknowledge([Completion(jobID: id, leaseToken: second.leaseToken,
                                                                    result: .completed(resultJSON: nil))], workerID: "second").isEmpty)
            #expect(try await harness.job(id).state == .completed)
        }
    }

    /// A batch of plain completions takes the short statement; it must end jobs exactly as the
    /// general one does, stale tokens included.
    @Test func plainCompletionsEndJobsAsTheGeneralAckDoes() async throws {
        try await TestHarness.with { harness in
            for _ in 0..<3 { try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])) }
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: 3, workerID: "w", lease: .seconds(60))
            #expect(claimed.count == 3)
            let plain = [Completion(jobID: claimed[0].id, leaseToken: claimed[0].leaseToken, result: .completed(resultJSON: nil)),
                         Completion(jobID: claimed[1].id, leaseToken: claimed[1].leaseToken + 1, result: .completed(resultJSON: nil))]
            let general = [Completion(jobID: claimed[2].id, leaseToken: claimed[2].leaseToken, result: .completed(resultJSON: #"{"ok":1}"#))]
            #expect(CompleteJobsStatement(plain, workerID: "w") != nil)
            #expect(CompleteJobsStatement(plain + general, workerID: "w") == nil)
            #expect(CompleteJobsStatement([Completion(jobID: 1, leaseToken: 1, result: .completed(resultJSON: nil), deleteIfCompleted: true)],
                                          workerID: "w") == nil)
            #expect(try await harness.store.acknowledge(plain, workerID: "w") == [claimed[1].id], "the stale token is rejected")
            #expect(try await harness.store.acknowledge(general, workerID: "w").isEmpty)
            let short = try await harness.job(claimed[0].id)
            let long = try await harness.job(claimed[2].id)
            for record in [short, long] {
                #expect(record.state == .completed)
                #expect(record.finishedAt != nil)
                #expect(record.attempt == 1)
                #expect(record.errorsJSON == "[]")
            }
            #expect(short.resultJSON == nil)
            #expect(try await harness.job(claimed[1].id).state == .running)
            #expect(try await harness.store.heartbeat([(claimed[0].id, claimed[0].leaseToken)], lease: .seconds(60), workerID: "w").isEmpty,
                    "a completed job holds no lease")
        }
    }

    @Test func expiredLeasesAreRescuedOrDiscardedWhenAttemptsAreUsedUp() async throws {
        try await TestHarness.with { harness in
            let retryable = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(maxAttempts: 2)).id
            let lastTry = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(maxAttempts: 1)).id
            let claimed = try await harness.store.claim(queue: harness.queueName, limit: 2, workerID: "dead", lease: .milliseconds(10))
            #expect(claimed.count == 2)
            try await Task.sleep(for: .milliseconds(50))
            let rescuer = JobRescuer(store: harness.store, publisher: harness.publisher, configuration: MaintenanceConfiguration(),
                                     logger: harness.logger)
            try await expectEventually {
                _ = try await rescuer.rescueOnce()
                return try await harness.job(retryable).state != .running
            }
            let revived = try await harness.job(retryable)
            #expect(revived.state == .available)
            #expect(revived.errorsJSON.contains("lease expired"))
            #expect(try await harness.job(lastTry).state == .discarded)
        }
    }

    @Test func heartbeatKeepsLongJobsAlive() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            // Two and a half leases long; a 4 s lease leaves heartbeats (every third of it) late by
            // up to 2.6 s on a loaded machine before the rescuer may take the job.
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 10_000)).id
            let configuration = harness.workerConfiguration { $0.lease = .seconds(4) }
            let rescuer = JobRescuer(store: harness.store, publisher: nil, configuration: MaintenanceConfiguration(), logger: harness.logger)
            let job = try await harness.withWorker(configuration, registry: .scripted(probe)) { _ in
                // Rescue runs all along; a renewed lease never expires, so the attempt is never taken away.
                while try await harness.job(id).state.isFinal == false {
                    _ = try await rescuer.rescueOnce()
                    try await Task.sleep(for: .milliseconds(100))
                }
                return try await harness.job(id)
            }
            #expect(job.state == .completed)
            #expect(probe.attempts(id) == [1])
        }
    }

    @Test func gracefulShutdownReleasesUnfinishedJobsAtOnce() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000)).id
            let configuration = harness.workerConfiguration { $0.shutdownGrace = .milliseconds(200) }
            try await harness.withWorker(configuration, registry: .scripted(probe)) { _ in
                try await expectEventually { probe.running == 1 }
            }
            let released = try await harness.job(id)
            #expect(released.state == .available)
            #expect(released.attempt == 0)
            #expect(released.runAt <= Date())
        }
    }

    @Test func gracefulShutdownLetsShortJobsFinish() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 300)).id
            try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await expectEventually { probe.running == 1 }
            }
            #expect(try await harness.job(id).state == .completed)
        }
    }
}
