import Foundation
import QueueEngine
import Testing
import TestSupport

/// The worker and scheduler processes have no API: with `METRICS_PORT` they answer `/metrics` and
/// `/health/live` themselves (the probes and scrape targets of deploy/kubernetes).
@Suite(.timeLimit(.minutes(3))) struct MetricsListenerTests {
    static func fetch(_ url: String) async throws -> String {
        let python = try #require(ProcessInfo.processInfo.environment["VPAI_PYTHON"], "run through scripts/test.sh (VPAI_PYTHON)")
        return try await ChildProcess.run(python, [
            "-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())", url])
    }

    @Test func theWorkerProcessReportsTheJobsItRan() async throws {
        try await TestHarness.with { harness in
            let port = try ChildProcess.freePort()
            let worker = try ChildProcess(ChildProcess.binDirectory + "/Worker", environment: [
                "WORKER_QUEUES": "\(harness.queueName)=2", "METRICS_PORT": "\(port)", "MIGRATE_ON_START": "false", "LOG_LEVEL": "warning",
            ])
            defer { worker.signal(SIGKILL) }
            for _ in 0..<3 {
                _ = try await harness.queue.enqueue(try NewJob(kind: "platform.canary", argsJSON: "{}",
                                                               options: JobOptions(queue: harness.queueName)))
            }
            let base = "http://127.0.0.1:\(port)"
            let series = "jobs_finished_total{kind=\"platform.canary\",queue=\"\(harness.queueName)\",outcome=\"completed\"} 3"
            try await expectEventually(timeout: .seconds(60)) {
                ((try? await Self.fetch("\(base)/metrics")) ?? "").contains(series)
            }
            let metrics = try await Self.fetch("\(base)/metrics")
            #expect(metrics.contains("worker_slots{queue=\"\(harness.queueName)\"} 2"), "\(metrics)")
            #expect(metrics.contains("# TYPE job_duration_seconds histogram"))
            #expect(try await Self.fetch("\(base)/health/live").hasPrefix("ok"))
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0)
        }
    }
}
