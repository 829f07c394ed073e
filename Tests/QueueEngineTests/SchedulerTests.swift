import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// The scheduler against the real database, with clocks the tests set: exactly one job per tick
/// however many schedulers race, and the catch-up policies after downtime.
@Suite(.timeLimit(.minutes(5))) struct SchedulerTests {
    @Test func racingSchedulersEnqueueEachTickOnce() async throws {
        try await TestHarness.with { harness in
            let entry = try ScheduleFixtures.everySecond(TestHarness.uniqueName("race"), queue: harness.queueName)
            let schedulers = (0..<4).map { _ in ScheduleFixtures.scheduler(harness, entry) }
            let start = ScheduleFixtures.wholeSecond
            for second in 0...20 {
                let now = start.addingTimeInterval(Double(second) + 0.1)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for scheduler in schedulers {
                        group.addTask { _ = try await scheduler.runDue(entry, now: now) }
                    }
                    try await group.waitForAll()
                }
            }
            // The first pass only records the entry; ticks 1…20 follow, one job each.
            let ticks = try await ScheduleFixtures.ticks(of: entry, harness)
            #expect(ticks == (1...20).map { start.addingTimeInterval(Double($0)) })
        }
    }

    @Test(arguments: [ScheduleEntry.CatchUp.skip, .latest])
    func catchUpAfterTenMissedTicksFollowsThePolicy(_ policy: ScheduleEntry.CatchUp) async throws {
        try await TestHarness.with { harness in
            let entry = try ScheduleFixtures.everySecond(TestHarness.uniqueName("catchup"), queue: harness.queueName, catchUp: policy)
            let scheduler = ScheduleFixtures.scheduler(harness, entry)
            let start = ScheduleFixtures.wholeSecond
            try await scheduler.runDue(entry, now: start.addingTimeInterval(0.2))
            try await scheduler.runDue(entry, now: start.addingTimeInterval(1.2))
            // Stopped through ticks 2…11; back at 12.5, when tick 12 is on time (within one interval).
            let enqueued = try await scheduler.runDue(entry, now: start.addingTimeInterval(12.5))
            let expected = policy == .skip ? [12] : [11, 12]
            #expect(enqueued.map(\.tick) == expected.map { start.addingTimeInterval(Double($0)) })
            let ticks = try await ScheduleFixtures.ticks(of: entry, harness)
            #expect(ticks == ([1] + expected).map { start.addingTimeInterval(Double($0)) })
            // Running again at the same instant finds everything covered.
            #expect(try await scheduler.runDue(entry, now: start.addingTimeInterval(12.5)).isEmpty)
        }
    }

    @Test func theStoreShowsEachEntrysLastTickAndJobState() async throws {
        try await TestHarness.with { harness in
            let entry = try ScheduleFixtures.everySecond(TestHarness.uniqueName("status"), queue: harness.queueName)
            let scheduler = ScheduleFixtures.scheduler(harness, entry)
            let start = ScheduleFixtures.wholeSecond
            try await scheduler.runDue(entry, now: start.addingTimeInterval(0.5))
            let enqueued = try await scheduler.runDue(entry, now: start.addingTimeInterval(1.5))
            let record = try #require(try await harness.store.schedules().first { $0.name == entry.name })
            #expect(record.lastTick == start.addingTimeInterval(1))
            #expect(record.lastJobID == enqueued.first?.result.id)
            #expect(record.lastJobState == .available)
            #expect(record.coveredUntil == start.addingTimeInterval(1.5))
        }
    }

    @Test func aTickIsEnqueuedWithTheEntrysKeyQueueAndArguments() async throws {
        try await TestHarness.with { harness in
            var entry = try ScheduleFixtures.everySecond(TestHarness.uniqueName("job"), queue: harness.queueName)
            entry.argsJSON = #"{"sleepMS":1}"#
            entry.priority = 3
            let scheduler = ScheduleFixtures.scheduler(harness, entry)
            let start = ScheduleFixtures.wholeSecond
            try await scheduler.runDue(entry, now: start.addingTimeInterval(0.5))
            let enqueued = try #require(try await scheduler.runDue(entry, now: start.addingTimeInterval(1.5)).first)
            let job = try await harness.store.job(id: enqueued.result.id)
            #expect(job.uniqueKey == "cron:\(entry.name):\(ScheduleEntry.tickFormat.format(start.addingTimeInterval(1)))")
            #expect(job.queue == harness.queueName && job.priority == 3 && job.kind == SampleJob.name)
            #expect(job.tags == ["cron:\(entry.name)"])
        }
    }
}
