import Foundation

extension ScheduleEntry {
    /// The ticks to enqueue now, given that every tick up to `coveredUntil` was handled already:
    /// the ticks within `grace` of `now` (normally one), preceded — under the `latest` policy — by
    /// the latest tick that is older than that. `missed` says whether older ticks were passed over.
    public func dueTicks(coveredUntil: Date, now: Date, grace: Duration) -> (ticks: [Date], missed: Bool) {
        guard coveredUntil < now else { return ([], false) }
        let onTimeFrom = max(coveredUntil, now.addingTimeInterval(-grace.seconds))
        var ticks = expression.fires(after: onTimeFrom, through: now, in: timeZone, limit: 1_000)
        var missed = false
        if onTimeFrom > coveredUntil, let latestMissed = lastFire(after: coveredUntil, through: onTimeFrom) {
            missed = true
            if catchUp == .latest { ticks.insert(latestMissed, at: 0) }
        }
        return (ticks, missed)
    }

    /// The latest fire time in (`lower`, `upper`], found by widening a window back from `upper`
    /// (so a week of downtime of a per-second entry is not walked tick by tick).
    func lastFire(after lower: Date, through upper: Date) -> Date? {
        var window: TimeInterval = 60
        while true {
            let start = max(lower, upper.addingTimeInterval(-window))
            if var last = expression.fires(after: start, through: upper, in: timeZone, limit: 10_000).last {
                while let later = expression.fires(after: last, through: upper, in: timeZone, limit: 10_000).last { last = later }
                return last
            }
            if start == lower { return nil }
            window *= 8
        }
    }
}
