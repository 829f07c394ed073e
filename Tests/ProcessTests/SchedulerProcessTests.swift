import Foundation
import Jobs
import Platform
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// Real scheduler processes: three replicas on a 1-second entry, one killed with SIGKILL and
/// restarted in the middle, while a worker completes the jobs (so the unique key alone could not
/// stop a repeated tick): exactly one job per tick and no tick missed — also across a SIGHUP that
/// reloads the schedule with a second entry. Each phase lasts until its ticks have come.
@Suite(.timeLimit(.minutes(5))) struct SchedulerProcessTests {
    @Test(.timeLimit(.minutes(3)))
    func threeReplicasWithOneKilledEnqueueEveryTickExactlyOnce() async throws {
        try await TestHarness.with { harness in
            let name = TestHarness.uniqueName("replicas")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let schedule = """
                - name: \(name)
                  schedule: "* * * * * *"
                  kind: platform.canary
                  queue: \(harness.queueName)
                """
            try schedule.write(to: folder.appendingPathComponent("test.yaml"), atomically: true, encoding: .utf8)
            let added = ScheduleEntry(name: name + "-added", expression: try CronExpression("*/2 * * * * *"), kind: CanaryJob.name,
                                      queue: harness.queueName)
            @Sendable func startScheduler(_ replica: Int) throws -> ChildProcess {
                try ChildProcess(ChildProcess.binDirectory + "/Scheduler", environment: [
                    "SCHEDULER_CRON_DIR": folder.path, "MIGRATE_ON_START": "false", "LOG_LEVEL": "warning",
                ], output: folder.appendingPathComponent("scheduler-\(replica).log"))
            }
            let registry = PlatformJobs.registry(store: harness.store)
            let entry = ScheduleEntry(name: name, expression: try CronExpression("* * * * * *"), kind: CanaryJob.name, queue: harness.queueName)
            try await harness.withWorker(harness.workerConfiguration(slots: 20), registry: registry) { _ in
                func ticks() async throws -> Int { try await ScheduleFixtures.ticks(of: entry, harness).count }
                var replicas = try (0..<3).map { try startScheduler($0) }
                try await expectEventually(timeout: .seconds(60)) { try await ticks() >= 15 }
                replicas[0].signal(SIGKILL)
                _ = await replicas[0].waitForExit()
                let atKill = try await ticks()
                try await expectEventually(timeout: .seconds(60)) { try await ticks() >= atKill + 10 }
                replicas[0] = try startScheduler(3)
                let atRestart = try await ticks()
                try await expectEventually(timeout: .seconds(60)) { try await ticks() >= atRestart + 5 }
                try (schedule + """

                    - name: \(added.name)
                      schedule: "*/2 * * * * *"
                      kind: platform.canary
                      queue: \(harness.queueName)
                    """).write(to: folder.appendingPathComponent("test.yaml"), atomically: true, encoding: .utf8)
                for process in replicas { process.signal(SIGHUP) }
                try await expectEventually(timeout: .seconds(60)) { try await ScheduleFixtures.ticks(of: added, harness).count >= 6 }
                for process in replicas { process.signal(SIGTERM) }
                for process in replicas { #expect(await process.waitForExit() == 0) }
            }
            let ticks = try await ScheduleFixtures.ticks(of: entry, harness)
            #expect(ticks.count >= 30, "the phases of a 1-second entry gave \(ticks.count) jobs")
            #expect(Set(ticks).count == ticks.count, "a tick was enqueued twice")
            let gaps = zip(ticks, ticks.dropFirst()).filter { $1.timeIntervalSince($0) != 1 }
            #expect(gaps.isEmpty, "ticks missed after \(gaps.map { ScheduleEntry.tickFormat.format($0.0) })")
            let addedTicks = try await ScheduleFixtures.ticks(of: added, harness)
            #expect(addedTicks.count >= 6, "the entry added by SIGHUP gave \(addedTicks.count) jobs")
            #expect(Set(addedTicks).count == addedTicks.count)
            #expect(zip(addedTicks, addedTicks.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 2 })
            let completed = try await harness.store.list(JobFilter(queue: harness.queueName, state: .completed, limit: 1_000))
            #expect(completed.count >= ticks.count + addedTicks.count - 3, "the worker completed the ticks' jobs as they came")
        }
    }
}
