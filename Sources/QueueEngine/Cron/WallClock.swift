import Foundation

/// Maps wall-clock times of a time zone to instants (whole seconds since 1970), where a
/// daylight-saving change makes a wall time occur never (spring forward) or twice (fall back).
struct WallClock: Sendable {
    let zone: TimeZone

    /// The instants at which the zone's clocks show `date` `hour:minute:second`, earliest first:
    /// none in a spring-forward gap, two in a fall-back overlap.
    func instants(_ date: CivilDate, _ hour: Int, _ minute: Int, _ second: Int) -> [Int] {
        let asUTC = date.dayNumber * 86_400 + hour * 3_600 + minute * 60 + second
        var offsets: [Int] = []
        for probe in [asUTC - 86_400, asUTC, asUTC + 86_400] {
            let offset = offset(at: probe)
            if !offsets.contains(offset) { offsets.append(offset) }
        }
        var result: [Int] = []
        for offset in offsets {
            let instant = asUTC - offset
            if self.offset(at: instant) == offset, !result.contains(instant) { result.append(instant) }
        }
        return result.sorted()
    }

    /// The instant a wall time is taken to mean: itself; the first pass of a repeated time (both
    /// passes when `bothPasses`); and for a time skipped by a spring-forward change, the instant the
    /// clocks jump (so a 02:30 entry runs once, at what the clocks call 03:00).
    func resolve(_ date: CivilDate, _ hour: Int, _ minute: Int, _ second: Int, bothPasses: Bool) -> [Int] {
        let found = instants(date, hour, minute, second)
        if found.isEmpty { return [gapEnd(date, hour, minute, second)] }
        return bothPasses ? found : [found[0]]
    }

    /// The latest instant a wall time can mean (used to skip hours and minutes that are all past).
    func latest(_ date: CivilDate, _ hour: Int, _ minute: Int, _ second: Int) -> Int {
        instants(date, hour, minute, second).last ?? gapEnd(date, hour, minute, second)
    }

    /// For a wall time inside a spring-forward gap: the first instant after the change.
    private func gapEnd(_ date: CivilDate, _ hour: Int, _ minute: Int, _ second: Int) -> Int {
        let asUTC = date.dayNumber * 86_400 + hour * 3_600 + minute * 60 + second
        let before = offset(at: asUTC - 86_400), after = offset(at: asUTC + 86_400)
        // The change lies between the wall time read with the new offset and with the old one.
        var low = asUTC - max(before, after), high = asUTC - min(before, after)
        let lowOffset = offset(at: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == lowOffset { low = middle } else { high = middle }
        }
        return high
    }

    private func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }
}
