import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct WorkerTests {
    @Test func successStoresTheResult() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await harness.waitFor(id)
            }
            #expect(job.state == .completed)
            #expect(job.resultJSON == #"{"attempt": 1}"#)
            #expect(job.attempt == 1)
            #expect(job.finishedAt != nil)
            #expect(job.workerID?.hasPrefix("worker-") == true)
        }
    }

    @Test func failedAttemptIsRetriedWithinThePolicyDelay() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.fail, .succeed])).id
            // Claim and fail the first attempt by hand to read the retry's run_at before it runs again.
            let claimed = try #require(try await harness.store.claim(queue: harness.queueName, limit: 1, workerID: "w", lease: .seconds(60)).first)
            let policy = ScriptedJob.defaults.retryPolicy
            let before = Date()
            try await harness.store.acknowledge([Completion(
                jobID: id, leaseToken: claimed.leaseToken,
                result: Worker.failure(claimed, "boom", policy: policy))], workerID: "w")
            let waiting = try await harness.job(id)
            #expect(waiting.state == .available)
            #expect(waiting.runAt >= before.addingTimeInterval(-0.05))
            #expect(waiting.runAt <= Date().addingTimeInterval(policy.ceiling(afterAttempt: 1).seconds + 0.05))
            #expect(waiting.errorsJSON.contains("boom"))
            let done = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await harness.waitFor(id)
            }
            #expect(done.state == .completed)
            #expect(done.attempt == 2)
            #expect(probe.attempts(id) == [2])
        }
    }

    @Test func retryDelaysFollowExponentialBackoffWithFullJitter() {
        let policy = RetryPolicy(base: .seconds(1), cap: .seconds(60))
        #expect(policy.ceiling(afterAttempt: 1) == .seconds(1))
        #expect(policy.ceiling(afterAttempt: 4) == .seconds(8))
        #expect(policy.ceiling(afterAttempt: 30) == .seconds(60))
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<2_000).map { _ in policy.delay(afterAttempt: 4, using: &generator).seconds }
        #expect(delays.allSatisfy { $0 >= 0 && $0 <= 8 })
        // Full jitter spreads over the whole range rather than clustering at the ceiling.
        #expect(delays.contains { $0 < 2 } && delays.contains { $0 > 6 })
    }

    @Test func failuresAreDiscardedWhenAttemptsAreUsedUp() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.fail])).id
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await harness.waitFor(id, timeout: .seconds(30))
            }
            #expect(job.state == .discarded)
            #expect(job.attempt == 3)
            #expect(probe.attempts(id) == [1, 2, 3])
            let errors = try JSONSerialization.jsonObject(with: Data(job.errorsJSON.utf8)) as? [[String: Any]]
            #expect(errors?.count == 3)
            #expect(errors?.compactMap { $0["attempt"] as? Int } == [1, 2, 3])
        }
    }

    @Test func snoozeDoesNotSpendAnAttempt() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.snooze, .snooze, .snooze]),
                                               JobOptions(maxAttempts: 1)).id
            try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await expectEventually { probe.attempts(id).count >= 4 }
            }
            // Each run saw attempt 1: with max attempts 1, a spent attempt would have ended the job.
            #expect(probe.attempts(id).allSatisfy { $0 == 1 })
            let job = try await harness.job(id)
            #expect(job.state == .available)
            #expect(job.errorsJSON == "[]")
        }
    }

    @Test func discardOutcomeEndsTheJobAtOnce() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.discard])).id
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(Probe())) { _ in
                try await harness.waitFor(id)
            }
            #expect(job.state == .discarded)
            #expect(job.attempt == 1)
            #expect(job.errorsJSON.contains("scripted discard"))
        }
    }

    @Test func malformedAndUnknownJobsAreDiscardedWithoutHarmingTheWorker() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let badArgs = try await harness.queue.enqueue(NewJob(kind: ScriptedJob.name, argsJSON: #"{"actions": 7}"#,
                                                                 options: JobOptions(queue: harness.queueName, maxAttempts: 10)))
            let unknown = try await harness.queue.enqueue(NewJob(kind: "test.nobody-handles-this", argsJSON: "{}",
                                                                options: JobOptions(queue: harness.queueName, maxAttempts: 10)))
            let good = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]))
            try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                let bad = try await harness.waitFor(badArgs.id)
                #expect(bad.state == .discarded)
                #expect(bad.attempt == 1)
                #expect(bad.errorsJSON.contains("do not decode"))
                let nobody = try await harness.waitFor(unknown.id)
                #expect(nobody.state == .discarded)
                #expect(nobody.errorsJSON.contains("unknown job kind"))
                #expect(try await harness.waitFor(good.id).state == .completed)
            }
        }
    }

    @Test func cancellingARunningJobStopsItsTask() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000)).id
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                try await expectEventually { probe.running == 1 }
                #expect(try await harness.queue.cancel(id: id) == .running)
                return try await harness.waitFor(id, timeout: .seconds(10))
            }
            #expect(job.state == .cancelled)
            #expect(probe.running == 0)
        }
    }

    @Test func cancellingWithoutRedisStopsTheJobThroughTheHeartbeat() async throws {
        try await TestHarness.with(redis: .some(nil)) { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000)).id
            // Short enough that the heartbeat (every third of it) carries the cancel quickly, long enough
            // that a busy machine does not let the lease lapse first (then the cancel finds it queued).
            let configuration = harness.workerConfiguration { $0.lease = .seconds(3) }
            let job = try await harness.withWorker(configuration, registry: .scripted(probe), redis: .some(nil)) { _ in
                try await expectEventually { probe.running == 1 }
                #expect(try await harness.queue.cancel(id: id) == .running)
                return try await harness.waitFor(id, timeout: .seconds(10))
            }
            #expect(job.state == .cancelled)
        }
    }

    @Test func cancellingAQueuedJobIsImmediateAndRetryRevivesIt() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id
            #expect(try await harness.queue.cancel(id: id) == .cancelled)
            #expect(try await harness.job(id).state == .cancelled)
            await #expect(throws: QueueError.self) { try await harness.queue.cancel(id: id) }
            try await harness.queue.retry(id: id)
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(Probe())) { _ in
                try await harness.waitFor(id)
            }
            #expect(job.state == .completed)
            await #expect(throws: QueueError.self) { try await harness.queue.retry(id: id) }
        }
    }

    @Test func timedOutAttemptIsCancelledAndRetried() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000),
                                               JobOptions(maxAttempts: 1, timeout: .milliseconds(300))).id
            let job = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(Probe())) { _ in
                try await harness.waitFor(id, timeout: .seconds(10))
            }
            #expect(job.state == .discarded)
            #expect(job.errorsJSON.contains("timed out"))
        }
    }

    @Test func progressIsVisibleWhileTheJobRuns() async throws {
        try await TestHarness.with { harness in
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.progress], sleepMS: 60_000)).id
            try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(Probe())) { _ in
                try await expectEventually { try await harness.job(id).progress == 40 }
                #expect(try await harness.job(id).progressMessage == "scripted progress")
                try await harness.queue.cancel(id: id)
                try await harness.waitFor(id)
            }
        }
    }

    @Test func workerRunsNoMoreThanItsSlotsAndKeysLimit() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let key = TestHarness.uniqueName("ws")
            var enqueued: [Int64] = []
            for _ in 0..<8 {
                enqueued.append(try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 150, group: key),
                                                     JobOptions(concurrency: ConcurrencyLimit(key: key, limit: 2))).id)
            }
            for _ in 0..<12 {
                enqueued.append(try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 150)).id)
            }
            let ids = enqueued
            try await harness.withWorker(harness.workerConfiguration(slots: 5), registry: .scripted(probe)) { _ in
                for id in ids {
                    let job = try await harness.waitFor(id)
                    #expect(job.state == .completed)
                }
            }
            #expect(probe.maxRunning <= 5)
            #expect(probe.maxRunning(group: key) == 2)
        }
    }
}

/// Jobs a stopping worker hands back wake the other workers at once.
@Suite(.timeLimit(.minutes(2))) struct ReleaseWakeupTests {
    @Test func jobsReleasedAtShutdownWakeTheOtherWorkers() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            // Only a wake-up can make the second worker claim in time: its poll comes once a minute.
            let configuration = harness.workerConfiguration(slots: 2) {
                $0.pollInterval = .seconds(60)
                $0.shutdownGrace = .zero
            }
            var first = configuration
            first.id = TestHarness.uniqueName("stopping")
            var taking = configuration
            taking.id = TestHarness.uniqueName("taking-over")
            let (second, takingOver) = (taking, taking.id)
            try await harness.withWorker(first, registry: .scripted(probe)) { worker in
                let ids = [try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000)).id,
                           try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 60_000)).id]
                try await expectEventually { probe.running == 2 }
                try await harness.withWorker(second, registry: .scripted(probe)) { taking in
                    try await expectEventually { taking.isSubscribed }
                    worker.stop()
                    try await expectEventually(timeout: .seconds(20)) {
                        var taken = 0
                        for id in ids where try await harness.job(id).workerID == takingOver { taken += 1 }
                        return taken == 2
                    }
                }
            }
        }
    }
}

/// A claim PostgreSQL forgot in a crash, claimed again by the worker that still runs the job.
@Suite(.timeLimit(.minutes(2))) struct ForgottenClaimTests {
    @Test func aWorkerHandedBackAJobItStillRunsKeepsTheRunningAttemptAndRecordsItOnce() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let id = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.sleep], sleepMS: 2_000)).id
            // A long lease: no heartbeat falls between the forgotten claim and the new one.
            try await harness.withWorker(harness.workerConfiguration { $0.lease = .seconds(60) }, registry: .scripted(probe)) { _ in
                try await expectEventually { probe.running == 1 }
                let claimed = try await harness.job(id)
                // The row as recovery leaves a claim it forgot; the worker's next poll claims the job again.
                try await harness.client.query("""
                    UPDATE queue_jobs SET state = 'available', lease_token = lease_token - 1, attempt = attempt - 1,
                                          worker_id = NULL, lease_expires_at = NULL
                    WHERE id = \(id)
                    """, logger: harness.logger)
                try await expectEventually {
                    let row = try await harness.job(id)
                    return row.state == .running && row.workerID == claimed.workerID
                }
                try await harness.waitFor(id, state: .completed)
            }
            #expect(probe.attempts(id) == [1], "one run, not a second beside the first")
            let done = try await harness.job(id)
            #expect(done.attempt == 1 && done.state == .completed)
        }
    }
}

/// The slot arithmetic of finished but unacknowledged attempts.
@Suite struct AckDebtTests {
    static func job(_ id: Int64, token: Int32 = 1, queue: String = "q") -> ClaimedJob {
        ClaimedJob(id: id, kind: "k", queue: queue, argsJSON: "{}", attempt: 1, maxAttempts: 1, leaseToken: token, timeout: nil,
                   workspaceID: nil, runAt: Date(), traceparent: nil)
    }

    @Test func uncommittedEndingsHoldSlotsPastTheAllowance() {
        let running = RunningJobs(ackAllowance: 10)
        let slots = 5
        for id in Int64(1)...15 {
            #expect(running.reserve(Self.job(id), deadline: .now + .seconds(60)))
            _ = running.finish(RunningJobs.Attempt(jobID: id, leaseToken: 1), awaitingAck: true)
        }
        #expect(running.free(queue: "q", slots: slots) == 0, "15 uncommitted, 10 free of charge: 5 slots held")
        #expect(running.beginClaim(queue: "q", slots: slots, limit: 100) == 0)
        // Another queue is not charged.
        #expect(running.free(queue: "other", slots: slots) == slots)
        // Commits give the slots back; unknown or repeated attempts change nothing.
        let committed = running.acknowledged((1...3).map { RunningJobs.Attempt(jobID: $0, leaseToken: 1) })
        #expect(committed.count == 3)
        #expect(running.free(queue: "q", slots: slots) == 3)
        #expect(running.acknowledged([RunningJobs.Attempt(jobID: 1, leaseToken: 1), RunningJobs.Attempt(jobID: 99, leaseToken: 1)]).isEmpty)
        #expect(running.free(queue: "q", slots: slots) == 3)
    }

    /// A claim PostgreSQL forgot in a crash can hand this worker, under the same lease token, a job
    /// it still runs or whose ending waits for its commit: the attempt under way is kept, not doubled.
    @Test func theSameAttemptClaimedAgainIsNotStartedTwice() {
        let running = RunningJobs(ackAllowance: 0)
        let attempt = RunningJobs.Attempt(jobID: 9, leaseToken: 4)
        #expect(running.reserve(Self.job(9, token: 4), deadline: .now + .seconds(60)))
        #expect(!running.reserve(Self.job(9, token: 4), deadline: .now + .seconds(60)), "still running")
        #expect(running.running(queue: "q") == 1)
        // Its ending is recorded against the new claim; only a refusal (stale) would give it back.
        #expect(!running.finish(attempt, awaitingAck: true))
        #expect(!running.reserve(Self.job(9, token: 4), deadline: .now + .seconds(60)), "its ending waits for the commit")
        #expect(running.running(queue: "q") == 0)
        #expect(running.claimedAgain(among: [attempt, RunningJobs.Attempt(jobID: 1, leaseToken: 1)]) == [attempt])
        #expect(running.claimedAgain(among: [attempt]).isEmpty, "told once")
        _ = running.acknowledged([attempt])
        // A later attempt (a rescue's claim has the next token) is a new one.
        #expect(running.reserve(Self.job(9, token: 5), deadline: .now + .seconds(60)))
    }

    /// Claimed here again, an attempt that ends with nothing to record (its lease seemed lost) must
    /// give the new claim back, and waits for that ack like any ending; one not claimed again does not.
    @Test func anAttemptClaimedAgainThatEndsWithoutAnEndingGivesTheClaimBack() {
        let running = RunningJobs(ackAllowance: 0)
        #expect(running.reserve(Self.job(3, token: 2), deadline: .now + .seconds(60)))
        #expect(!running.reserve(Self.job(3, token: 2), deadline: .now + .seconds(60)))
        #expect(running.finish(RunningJobs.Attempt(jobID: 3, leaseToken: 2), awaitingAck: false),
                "the worker sends a release for the new claim")
        #expect(running.unacknowledged(queue: "q") == 1)
        #expect(running.reserve(Self.job(4, token: 1), deadline: .now + .seconds(60)))
        #expect(!running.finish(RunningJobs.Attempt(jobID: 4, leaseToken: 1), awaitingAck: false))
        #expect(running.unacknowledged(queue: "q") == 1)
    }

    @Test func aJobEndingTwiceHereIsTwoAttempts() {
        let running = RunningJobs(ackAllowance: 0)
        // Rescued and claimed here again while its first ending waits: two attempts, acknowledged apart.
        #expect(running.reserve(Self.job(7, token: 1), deadline: .now + .seconds(60)))
        _ = running.finish(RunningJobs.Attempt(jobID: 7, leaseToken: 1), awaitingAck: true)
        #expect(running.reserve(Self.job(7, token: 2), deadline: .now + .seconds(60)))
        _ = running.finish(RunningJobs.Attempt(jobID: 7, leaseToken: 2), awaitingAck: true)
        #expect(running.unacknowledged(queue: "q") == 2)
        _ = running.acknowledged([RunningJobs.Attempt(jobID: 7, leaseToken: 2)])
        _ = running.acknowledged([RunningJobs.Attempt(jobID: 7, leaseToken: 1)])
        #expect(running.unacknowledged(queue: "q") == 0)
        #expect(running.free(queue: "q", slots: 2) == 2)
        // An attempt stopped with its lease lost records nothing to acknowledge.
        #expect(running.reserve(Self.job(8), deadline: .now + .seconds(60)))
        _ = running.finish(RunningJobs.Attempt(jobID: 8, leaseToken: 1), awaitingAck: false)
        #expect(running.unacknowledged(queue: "q") == 0)
    }

    /// A job rescued from this worker (its heartbeat missed) and claimed here again under the next
    /// token while the first attempt still runs: both hold a slot until they end, the first is
    /// stopped with its lease lost, and each ends under its own attempt.
    @Test(.timeLimit(.minutes(1))) func anEarlierAttemptOfAJobClaimedAgainUnderANewTokenIsStoppedAndKeepsItsOwnSlot() async {
        let running = RunningJobs(ackAllowance: 0)
        let first = RunningJobs.Attempt(jobID: 11, leaseToken: 1), second = RunningJobs.Attempt(jobID: 11, leaseToken: 2)
        #expect(running.reserve(Self.job(11, token: 1), deadline: .now + .seconds(60)))
        let task = Task { while !Task.isCancelled { await Task.yield() } }
        running.attach(first, task: task)
        #expect(running.reserve(Self.job(11, token: 2), deadline: .now + .seconds(60)))
        await task.value
        #expect(running.stopReason(of: first) == .leaseLost)
        #expect(running.stopReason(of: second) == nil)
        #expect(running.running(queue: "q") == 2)
        #expect(Set(running.leases().map(\.leaseToken)) == [1, 2])
        // A cancellation of the job, while both run, reaches the attempt under way.
        running.stop(jobID: 11, reason: .cancelRequested)
        #expect(running.stopReason(of: second) == .cancelRequested)
        #expect(running.stopReason(of: first) == .leaseLost)
        // The first attempt ends with nothing recorded; the second's ending awaits its ack.
        #expect(!running.finish(first, awaitingAck: false))
        #expect(running.running(queue: "q") == 1 && running.unacknowledged(queue: "q") == 0)
        #expect(!running.finish(second, awaitingAck: true))
        #expect(running.running(queue: "q") == 0 && running.unacknowledged(queue: "q") == 1)
        #expect(running.acknowledged([second]) == [second: "q"])
        #expect(running.free(queue: "q", slots: 2) == 2)
    }

    /// Two claims of one job started out of order (the newer reserved first): the older attempt
    /// starts stopped, the newer runs on; whichever ends first, the job's newest token stays right.
    @Test func anOlderAttemptReservedAfterANewerOneStartsStopped() {
        let running = RunningJobs(ackAllowance: 0)
        let older = RunningJobs.Attempt(jobID: 12, leaseToken: 1), newer = RunningJobs.Attempt(jobID: 12, leaseToken: 2)
        #expect(running.reserve(Self.job(12, token: 2), deadline: .now + .seconds(60)))
        #expect(running.reserve(Self.job(12, token: 1), deadline: .now + .seconds(60)))
        #expect(running.stopReason(of: older) == .leaseLost)
        #expect(running.stopReason(of: newer) == nil)
        // The newer ends first; a cancellation then finds no attempt to stop, the older keeps its reason.
        #expect(!running.finish(newer, awaitingAck: true))
        running.stop(jobID: 12, reason: .cancelRequested)
        #expect(running.stopReason(of: older) == .leaseLost)
        #expect(!running.finish(older, awaitingAck: false))
        #expect(running.running(queue: "q") == 0)
        // A third claim is the newest again and runs.
        #expect(running.reserve(Self.job(12, token: 3), deadline: .now + .seconds(60)))
        #expect(running.stopReason(of: RunningJobs.Attempt(jobID: 12, leaseToken: 3)) == nil)
    }
}
