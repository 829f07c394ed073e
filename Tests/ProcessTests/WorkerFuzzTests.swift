import Foundation
import Jobs
import Platform
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// The real `Worker` binary against jobs no caller should be able to send but a queue may hold:
/// every platform kind with extreme numbers, wrong types and strange shapes in its arguments, and
/// rows whose run_at lies centuries back (written before today's checks). Each such job ends
/// alone (completed, discarded or cancelled); the worker stays up and keeps running jobs.
@Suite(.timeLimit(.minutes(5))) struct WorkerFuzzTests {
    static let numbers: [String] = [
        "-9223372036854775808", "9223372036854775807", "-1", "0", "2147483648", "1e19", "-1e308", "1.5", "\"12\"", "null", "[]", "{}",
    ]
    /// The numeric argument names of the platform's kinds.
    static let numericFields = ["batchSize", "chunk", "deliveryID", "failAttempts", "graceHours", "maxBatches", "periodDays",
                                "retentionHours", "settleSeconds", "sleepMS", "usageFactor", "usageMinimum"]
    static let idFields = ["callID", "campaignID", "fileID", "requestID", "toolID", "workspaceID"]

    @Test func oddArgumentsAndAncientRunAtEndTheirJobAloneAndTheWorkerStaysUp() async throws {
        try await TestHarness.with { harness in
            let kinds = PlatformJobs.catalogue.kinds
            var generator = SystemRandomNumberGenerator()
            let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
            var random = SeededGenerator(state: seed)
            var jobs: [NewJob] = []
            for kind in kinds {
                for number in Self.numbers {
                    var fields = Self.numericFields.map { "\"\($0)\": \(number)" }
                    fields += Self.idFields.map { "\"\($0)\": \"\(UUID().uuidString.lowercased())\"" }
                    fields.append(#""template": "welcome", "to": {"email": "fuzz@example.com"}, "arguments": {"x": \#(number)}"#)
                    // A random subset, so kinds see missing fields too.
                    let chosen = fields.filter { _ in Bool.random(using: &random) || fields.count < 4 }
                    jobs.append(try NewJob(kind: kind, argsJSON: "{\(chosen.joined(separator: ", "))}",
                                           options: JobOptions(queue: harness.queueName, maxAttempts: 1)))
                }
                jobs.append(try NewJob(kind: kind, argsJSON: "{}", options: JobOptions(queue: harness.queueName, maxAttempts: 1)))
            }
            let inserted = try await harness.queue.enqueueMany(jobs).map(\.id)
            // Rows written before run_at was bounded: the worker must not trap on their wait time.
            let ancient = try await harness.queue.enqueueMany((0..<3).map { _ in
                try NewJob(CanaryJob.self, CanaryJob.Args(), options: JobOptions(queue: harness.queueName, maxAttempts: 1))
            }).map(\.id)
            try await harness.client.query("""
                UPDATE queue_jobs SET run_at = v.at
                FROM unnest(\(ancient)::bigint[], ARRAY['1700-01-01', '0001-01-01', '4000-01-01 BC']::timestamptz[]) AS v(id, at)
                WHERE queue_jobs.id = v.id
                """, logger: harness.logger)

            let worker = try ChildProcess(ChildProcess.binDirectory + "/Worker", environment: [
                "WORKER_ID": TestHarness.uniqueName("fuzzed"), "WORKER_QUEUES": "\(harness.queueName)=16",
                "MIGRATE_ON_START": "false", "LOG_LEVEL": "error",
            ], output: FileManager.default.temporaryDirectory.appendingPathComponent("\(harness.queueName).log"))
            defer { worker.signal(SIGKILL) }
            try await expectEventually(timeout: .seconds(180)) {
                let counts = try await harness.countByState()
                return counts[.available, default: 0] + counts[.running, default: 0] == 0
            }
            #expect(kill(worker.pid, 0) == 0, "the worker is still running (seed \(seed))")
            let total = try await harness.countByState().values.reduce(0, +)
            #expect(total == inserted.count + ancient.count)
            for id in ancient { #expect(try await harness.job(id).state == .completed, "ancient run_at job \(id)") }
            // And it still runs ordinary work.
            let after = try await harness.enqueue(CanaryJob.self, CanaryJob.Args()).id
            #expect(try await harness.waitFor(after, timeout: .seconds(30)).state == .completed)
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0, "a clean stop after the fuzz (seed \(seed))")
        }
    }
}
