import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// The jobs a handler enqueues in its transaction wake a worker once that transaction commits.
@Suite(.timeLimit(.minutes(2))) struct FollowUpWakeupTests {
    /// Enqueues one scripted job in a transaction of its own, as the platform's handlers do.
    struct FollowUpJob: JobKind {
        struct Args: Codable, Sendable {
            var queue: String
        }

        static let name = "test.follow-up"
        let client: PostgresClient

        func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
            // Long enough for the worker's claim loop to find the queue empty and stop claiming.
            try await Task.sleep(for: .seconds(1))
            let job = try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: args.queue))
            try await client.transaction(logger: context.logger) { connection in
                _ = try await JobStore.insert(job, on: connection, logger: context.logger)
            }
            return .success
        }
    }

    @Test func aFollowUpJobRunsWithoutWaitingForThePoll() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            var registry = JobRegistry.scripted(probe)
            registry.register(FollowUpJob(client: harness.client))
            // The queue is drained after the first claim and the poll comes once an hour: only the
            // wake-up of the handler's commit can bring the follow-up job to a worker.
            let configuration = harness.workerConfiguration(slots: 4) { $0.pollInterval = .seconds(3_600) }
            try await harness.withWorker(configuration, registry: registry) { worker in
                try await expectEventually { worker.isSubscribed }
                let first = try await harness.enqueue(FollowUpJob.self, FollowUpJob.Args(queue: harness.queueName)).id
                try await expectEventually(timeout: .seconds(30)) { probe.totalRuns == 1 }
                // The first job's ack is batched and may land after its follow-up has run.
                #expect(try await harness.waitFor(first).state == .completed)
            }
        }
    }
}
