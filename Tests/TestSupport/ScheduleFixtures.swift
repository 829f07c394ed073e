import Foundation
import PostgresNIO
import QueueEngine

/// Schedules for tests: an entry that fires every second, a scheduler for it on a harness, and the
/// ticks its jobs were enqueued for.
public enum ScheduleFixtures {
    public static func everySecond(_ name: String, queue: String, catchUp: ScheduleEntry.CatchUp = .skip) throws -> ScheduleEntry {
        ScheduleEntry(name: name, expression: try CronExpression("* * * * * *"), kind: SampleJob.name,
                      argsJSON: "{}", queue: queue, catchUp: catchUp)
    }

    public static func scheduler(_ harness: TestHarness, _ entry: ScheduleEntry) -> CronScheduler {
        CronScheduler(entries: [entry], queue: harness.queue, catalogue: SampleJob.catalogue, logger: harness.logger)
    }

    /// The ticks (from the unique keys) of the jobs an entry produced, in order, duplicates kept.
    public static func ticks(of entry: ScheduleEntry, _ harness: TestHarness) async throws -> [Date] {
        let rows = try await harness.client.query("""
            SELECT unique_key FROM queue_jobs WHERE \("cron:\(entry.name)") = ANY(tags) ORDER BY unique_key
            """, logger: harness.logger)
        var ticks: [Date] = []
        for try await key in rows.decode(String.self) {
            ticks.append(try Date(String(key.dropFirst("cron:\(entry.name):".count)), strategy: .iso8601))
        }
        return ticks
    }

    public static var wholeSecond: Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }
}

/// A small seeded generator (SplitMix64), so a failing random test can be replayed from its seed.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
