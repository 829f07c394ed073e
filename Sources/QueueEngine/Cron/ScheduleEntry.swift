import Foundation

/// One periodic job of the schedule: every tick of `expression` (on the wall clock of `timeZone`)
/// becomes one job of `kind` with unique key `cron:<name>:<tick>`.
public struct ScheduleEntry: Sendable, Equatable {
    /// What to do with ticks that passed while no scheduler ran (or while the database was away).
    public enum CatchUp: String, Sendable, CaseIterable {
        /// Missed ticks are dropped; the schedule resumes with the next tick.
        case skip
        /// The latest missed tick is enqueued once; older ones are dropped.
        case latest
    }

    public var name: String
    public var expression: CronExpression
    public var timeZone: TimeZone
    public var kind: String
    public var argsJSON: String
    public var queue: String?
    public var priority: Int16?
    public var enabled: Bool
    public var catchUp: CatchUp
    /// How late a tick may still be enqueued as on time; nil takes the scheduler's default, capped
    /// at the entry's interval (a 1-second entry's tick is late after one second).
    public var misfireGrace: Duration?
    /// Where the entry was read (file name), for messages.
    public var source: String

    public init(name: String, expression: CronExpression, timeZone: TimeZone = TimeZone(identifier: "UTC")!, kind: String,
                argsJSON: String = "{}", queue: String? = nil, priority: Int16? = nil, enabled: Bool = true,
                catchUp: CatchUp = .skip, misfireGrace: Duration? = nil, source: String = "") {
        self.name = name
        self.expression = expression
        self.timeZone = timeZone
        self.kind = kind
        self.argsJSON = argsJSON
        self.queue = queue
        self.priority = priority
        self.enabled = enabled
        self.catchUp = catchUp
        self.misfireGrace = misfireGrace
        self.source = source
    }

    /// The unique key of one tick's job: the same on every replica, so N schedulers enqueue it once.
    public func uniqueKey(tick: Date) -> String {
        "cron:\(name):\(Self.tickFormat.format(tick))"
    }

    /// The job of one tick, with the kind's defaults under the entry's queue and priority.
    public func job(tick: Date, defaults: JobDefaults) throws -> NewJob {
        try NewJob(kind: kind, argsJSON: argsJSON, defaults: defaults,
                   options: JobOptions(queue: queue, priority: priority, uniqueKey: uniqueKey(tick: tick), tags: ["cron:\(name)"]))
    }

    /// The grace for this entry: its own, or `fallback`, never more than the gap between two ticks.
    func grace(fallback: Duration, around instant: Date) -> Duration {
        if let misfireGrace { return misfireGrace }
        guard let first = expression.nextFire(after: instant, in: timeZone),
              let second = expression.nextFire(after: first, in: timeZone) else { return fallback }
        return min(fallback, .milliseconds(Int64(second.timeIntervalSince(first) * 1000)))
    }

    /// How ticks are written in unique keys, logs and the CLI: UTC, whole seconds.
    public static let tickFormat = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
}
