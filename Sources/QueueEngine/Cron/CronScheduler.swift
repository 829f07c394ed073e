import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Turns schedule entries into jobs, exactly once per tick however many schedulers run.
///
/// There is no leader: for each entry every replica locks the entry's schedule row, enqueues the
/// ticks that are due after its mark, and moves the mark, in one transaction; a replica that comes
/// second finds the ticks covered. Each tick's job also carries the unique key
/// `cron:<name>:<tick>`. Between ticks the scheduler sleeps until the next due tick (or a reload).
public final class CronScheduler: Service, Sendable {
    public static let defaultMisfireGrace: Duration = .seconds(60)
    /// The longest sleep: bounds the effect of a wall-clock jump on the computed wake-up time.
    static let maximumSleep: Duration = .seconds(60)

    private let queue: JobQueue
    private let catalogue: JobCatalogue
    private let misfireGrace: Duration
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let entries: Mutex<[ScheduleEntry]>
    private let wakeup = SchedulerWakeup()

    public init(entries: [ScheduleEntry], queue: JobQueue, catalogue: JobCatalogue,
                misfireGrace: Duration = CronScheduler.defaultMisfireGrace, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.entries = Mutex(entries)
        self.queue = queue
        self.catalogue = catalogue
        self.misfireGrace = misfireGrace
        self.logger = logger
        self.clock = clock
    }

    /// Replaces the schedule (SIGHUP). Marks live in the database, so no tick is missed or repeated.
    public func reload(_ newEntries: [ScheduleEntry]) {
        entries.withLock { $0 = newEntries }
        logger.info("schedule reloaded", metadata: ["entries": "\(newEntries.count)"])
        wakeup.fire()
    }

    public var currentEntries: [ScheduleEntry] { entries.withLock { $0 } }

    public func run() async throws {
        logger.info("scheduler started", metadata: ["entries": "\(currentEntries.count)"])
        await cancelWhenGracefulShutdown { [self] in
            var failures = 0
            while !Task.isCancelled {
                let now = clock()
                let active = currentEntries.filter(\.enabled)
                var failed = false
                for entry in active {
                    do {
                        try await runDue(entry, now: now)
                    } catch {
                        failed = true
                        logger.warning("could not enqueue the due ticks; retrying",
                                       metadata: [LogKey.cronEntry: "\(entry.name)", "error": "\(logDescription(error))"])
                    }
                }
                failures = failed ? failures + 1 : 0
                await wakeup.sleep(for: failed ? Self.retryDelay(failures: failures) : sleepUntilNextTick(active, after: now))
            }
        }
        logger.info("scheduler stopped")
    }

    /// Enqueues the ticks of `entry` that are due at `now` and not yet covered; returns their jobs.
    @discardableResult
    public func runDue(_ entry: ScheduleEntry, now: Date) async throws -> [(tick: Date, result: EnqueueResult)] {
        guard let defaults = catalogue.defaults(for: entry.kind) else {
            throw QueueError(.unknownKind, "schedule entry \(entry.name) names unknown kind \(entry.kind)")
        }
        let grace = entry.grace(fallback: misfireGrace, around: now)
        let logger = self.logger
        // Bounded like every engine statement: a transaction begun on a connection PostgreSQL just
        // closed would otherwise wait forever for its reply, and this entry's ticks with it.
        let (enqueued, missed) = try await queue.store.bounded { [queue] in try await queue.transaction { transaction in
            let covered = try await JobStore.lockSchedule(name: entry.name, now: now, on: transaction.connection, logger: logger)
            guard covered < now else { return ([(tick: Date, result: EnqueueResult)](), false) }
            let (ticks, missed) = entry.dueTicks(coveredUntil: covered, now: now, grace: grace)
            var enqueued: [(tick: Date, result: EnqueueResult)] = []
            for tick in ticks {
                enqueued.append((tick, try await transaction.enqueue(try entry.job(tick: tick, defaults: defaults))))
            }
            try await JobStore.recordSchedule(name: entry.name, coveredUntil: now, lastTick: enqueued.last?.tick,
                                              lastJobID: enqueued.last?.result.id, on: transaction.connection, logger: logger)
            return (enqueued, missed)
        } }
        if missed {
            logger.info("ticks passed over: no scheduler could enqueue them in time", metadata: [
                LogKey.cronEntry: "\(entry.name)", "catch_up": "\(entry.catchUp.rawValue)",
            ])
        }
        for (tick, result) in enqueued {
            logger.info("tick enqueued", metadata: [
                LogKey.cronEntry: "\(entry.name)", LogKey.cronTick: "\(ScheduleEntry.tickFormat.format(tick))",
                LogKey.jobID: "\(result.id)", "duplicate": "\(result.isDuplicate)",
            ])
        }
        return enqueued
    }

    private func sleepUntilNextTick(_ active: [ScheduleEntry], after now: Date) -> Duration {
        let next = active.compactMap { $0.expression.nextFire(after: now, in: $0.timeZone) }.min()
        guard let next else { return Self.maximumSleep }
        let wait = next.timeIntervalSince(clock())
        return min(Self.maximumSleep, .milliseconds(Int64(max(0, wait) * 1000)))
    }

    static func retryDelay(failures: Int) -> Duration {
        .milliseconds(min(5_000, 250 << min(failures - 1, 5)))
    }
}
