import Foundation

extension CronExpression {
    /// The first fire time strictly after `instant`, on the wall clock of `zone`.
    ///
    /// Daylight-saving changes: a wall time skipped by a spring-forward change fires once, when the
    /// clocks jump; a wall time repeated by a fall-back change fires once, on its first pass — except
    /// for entries that run every hour (hour field `*`), which fire in both passes so that an hourly
    /// or every-15-minutes entry keeps its rhythm in real time.
    /// Returns nil only if no fire time exists within eight years (e.g. `0 0 29 2 1` in a century gap).
    public func nextFire(after instant: Date, in zone: TimeZone) -> Date? {
        let clock = WallClock(zone: zone)
        let after = Int(instant.timeIntervalSince1970.rounded(.down))
        let localDay = Int((Double(after + zone.secondsFromGMT(for: instant)) / 86_400).rounded(.down))
        let hourList = hours.values, minuteList = minutes.values, secondList = seconds.values
        // Start a day early: a fall-back change at midnight can put instants after `after` on the previous civil date.
        for dayNumber in (localDay - 1)...(localDay + 366 * 8 + 2) {
            let date = CivilDate(dayNumber: dayNumber)
            guard matches(date) else { continue }
            for hour in hourList {
                let hourEnd = clock.instants(date, hour, 59, 59)
                if (hourEnd.last ?? clock.latest(date, hour, 59, 59)) <= after { continue }
                // Within one hour wall-clock order is instant order unless the hour is repeated,
                // so the first fire found ends the search only for an hour that is not.
                let repeated = hourEnd.count > 1 || clock.instants(date, hour, 0, 0).count > 1
                var best: Int?
                minuteLoop: for minute in minuteList {
                    if clock.latest(date, hour, minute, 59) <= after { continue }
                    for second in secondList {
                        for candidate in clock.resolve(date, hour, minute, second, bothPasses: everyHour) where candidate > after {
                            best = min(best ?? candidate, candidate)
                        }
                        if best != nil && !repeated { break minuteLoop }
                    }
                }
                if let best { return Date(timeIntervalSince1970: TimeInterval(best)) }
            }
        }
        return nil
    }

    /// The fire times in (`start`, `end`], at most `limit` of them, oldest first.
    public func fires(after start: Date, through end: Date, in zone: TimeZone, limit: Int = .max) -> [Date] {
        var result: [Date] = []
        var cursor = start
        while result.count < limit, let next = nextFire(after: cursor, in: zone), next <= end {
            result.append(next)
            cursor = next
        }
        return result
    }
}
