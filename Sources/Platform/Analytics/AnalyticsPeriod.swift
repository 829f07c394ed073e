import Foundation

/// The window an analytics report covers, `[start, end)`, and how its series is bucketed. Buckets
/// follow the calendar of `timeZone` (a day bucket starts at local midnight, also on DST days), the
/// same way PostgreSQL's `date_trunc(unit, t, zone)` groups the rows.
public struct AnalyticsPeriod: Sendable, Equatable {
    public enum Interval: String, Sendable, CaseIterable {
        case hour, day, week, month

        var component: Calendar.Component {
            switch self {
            case .hour: .hour
            case .day: .day
            case .week: .weekOfYear
            case .month: .month
            }
        }
    }

    public enum Problem: Error, Equatable {
        case emptyWindow
        case tooManyBuckets
    }

    /// A series longer than this is refused: ask for a coarser interval.
    public static let maxBuckets = 1_000

    public let start: Date
    public let end: Date
    public let interval: Interval
    public let timeZone: TimeZone

    public init(start: Date, end: Date, interval: Interval, timeZone: TimeZone) throws(Problem) {
        guard start < end else { throw .emptyWindow }
        self.start = start
        self.end = end
        self.interval = interval
        self.timeZone = timeZone
        guard bucketStarts.count <= Self.maxBuckets else { throw .tooManyBuckets }
    }

    /// The interval a window gets when the caller names none: about 24 to 100 points.
    public static func defaultInterval(from start: Date, to end: Date) -> Interval {
        let span = end.timeIntervalSince(start)
        if span <= 2 * 86_400 { return .hour }
        if span <= 100 * 86_400 { return .day }
        if span <= 2 * 366 * 86_400 { return .week }
        return .month
    }

    /// The start of every bucket that overlaps the window, oldest first; the first one may begin
    /// before `start` (the bucket the window starts in).
    public var bucketStarts: [Date] {
        let calendar = self.calendar
        guard var current = calendar.dateInterval(of: interval.component, for: start)?.start else { return [start] }
        var starts: [Date] = []
        while current < end, starts.count <= Self.maxBuckets {
            starts.append(current)
            guard let next = calendar.date(byAdding: interval.component, value: 1, to: current), next > current else { break }
            current = next
        }
        return starts
    }

    /// The bucket a row's truncated time falls in (its own start, or the latest start before it).
    func bucketIndex(of time: Date, in starts: [Date]) -> Int? {
        var low = 0, high = starts.count - 1, found: Int?
        while low <= high {
            let middle = (low + high) / 2
            if starts[middle] <= time { found = middle; low = middle + 1 } else { high = middle - 1 }
        }
        return found
    }

    /// Weeks start on Monday, matching `date_trunc('week', …)`.
    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }

    /// The zone's name for `date_trunc(…, zone)`.
    var zoneName: String { timeZone.identifier }
}
