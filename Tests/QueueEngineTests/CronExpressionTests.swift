import Foundation
@testable import QueueEngine
import Testing
import TestSupport

/// The cron parser and next-fire computation against fire times worked out by hand (and, for the
/// UTC rows, confirmed with croniter), including month ends, leap days, steps, ranges, lists,
/// names, macros, seconds and daylight-saving changes.
struct CronExpressionTests {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    static func zone(_ name: String) -> TimeZone { TimeZone(identifier: name)! }

    static let utcCases: [(String, String, [String])] = [
        ("*/15 * * * *", "2026-01-01T00:07:00Z", ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"]),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"]),
        ("0 0 29 2 *", "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z", "2112-02-29T00:00:00Z"]),
        ("0 0 31 * *", "2026-04-01T00:00:00Z", ["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"]),
        ("59 23 31 12 *", "2026-06-01T00:00:00Z", ["2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z", "2028-12-31T23:59:00Z"]),
        ("0 9-17/4 * * mon-fri", "2026-11-27T18:00:00Z", ["2026-11-30T09:00:00Z", "2026-11-30T13:00:00Z", "2026-11-30T17:00:00Z"]),
        ("5,10,50 1 * * *", "2026-11-25T01:10:00Z", ["2026-11-25T01:50:00Z", "2026-11-26T01:05:00Z", "2026-11-26T01:10:00Z"]),
        ("0 0 1 jan,jul *", "2026-07-01T00:00:00Z", ["2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        // Both day fields restricted: the 13th OR a Friday.
        ("0 0 13 * 5", "2026-11-25T00:00:00Z", ["2026-11-27T00:00:00Z", "2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z"]),
        ("0 12 * * 7", "2026-11-25T00:00:00Z", ["2026-11-29T12:00:00Z", "2026-12-06T12:00:00Z", "2026-12-13T12:00:00Z"]),
        ("@monthly", "2026-12-31T23:59:59Z", ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"]),
        ("@weekly", "2026-11-25T00:00:00Z", ["2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"]),
        ("@yearly", "2026-11-25T00:00:00Z", ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z"]),
        ("@daily", "2026-02-28T12:00:00Z", ["2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"]),
        ("@hourly", "2026-11-25T23:00:00Z", ["2026-11-26T00:00:00Z", "2026-11-26T01:00:00Z", "2026-11-26T02:00:00Z"]),
        ("30 */7 * * *", "2026-11-25T22:00:00Z", ["2026-11-26T00:30:00Z", "2026-11-26T07:30:00Z", "2026-11-26T14:30:00Z"]),
        ("0 0 */10 * *", "2026-11-25T00:00:00Z", ["2026-12-01T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-21T00:00:00Z"]),
        ("10/20 * * * *", "2026-11-25T00:55:00Z", ["2026-11-25T01:10:00Z", "2026-11-25T01:30:00Z", "2026-11-25T01:50:00Z"]),
        // Six fields: seconds first.
        ("*/20 * * * * *", "2026-11-25T10:00:05Z", ["2026-11-25T10:00:20Z", "2026-11-25T10:00:40Z", "2026-11-25T10:01:00Z"]),
        ("* * * * * *", "2026-12-31T23:59:58.500Z", ["2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z", "2027-01-01T00:00:01Z"]),
    ]

    @Test(arguments: utcCases)
    func nextFireTimesInUTC(_ expression: String, _ start: String, _ expected: [String]) throws {
        let cron = try CronExpression(expression)
        let fires = cron.fires(after: Self.date(start), through: .distantFuture, in: Self.zone("UTC"), limit: expected.count)
        #expect(fires == expected.map(Self.date), "\(expression) after \(start)")
    }

    /// Daylight-saving edges: Europe/Berlin springs forward 2027-03-28 02:00 → 03:00 and falls back
    /// 2027-10-31 03:00 → 02:00; America/New_York falls back 2027-11-07 02:00 → 01:00.
    static let zoneCases: [(String, String, String, [String])] = [
        // A time skipped by the change runs once, when the clocks jump.
        ("30 2 * * *", "Europe/Berlin", "2027-03-27T12:00:00Z", ["2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"]),
        // Every 30 minutes: 02:00 and 02:30 do not exist; 03:00 comes once.
        ("*/30 * * * *", "Europe/Berlin", "2027-03-28T00:00:00Z", ["2027-03-28T00:30:00Z", "2027-03-28T01:00:00Z", "2027-03-28T01:30:00Z"]),
        // A fixed time in the repeated hour runs once, on its first pass.
        ("30 2 * * *", "Europe/Berlin", "2027-10-30T12:00:00Z", ["2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"]),
        ("30 1 * * *", "America/New_York", "2027-11-06T12:00:00Z", ["2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"]),
        // An entry of every hour keeps its rhythm in real time through the repeated hour.
        ("0,30 * * * *", "Europe/Berlin", "2027-10-30T23:45:00Z",
         ["2027-10-31T00:00:00Z", "2027-10-31T00:30:00Z", "2027-10-31T01:00:00Z", "2027-10-31T01:30:00Z", "2027-10-31T02:00:00Z"]),
        // Midnight in a zone ahead of UTC, across a month end.
        ("0 0 1 * *", "Asia/Tokyo", "2026-11-25T00:00:00Z", ["2026-11-30T15:00:00Z", "2026-12-31T15:00:00Z"]),
        // Half-hour offsets.
        ("0 9 * * *", "Asia/Kolkata", "2026-11-25T00:00:00Z", ["2026-11-25T03:30:00Z", "2026-11-26T03:30:00Z"]),
    ]

    @Test(arguments: zoneCases)
    func nextFireTimesAcrossDaylightSavingChanges(_ expression: String, _ zone: String, _ start: String, _ expected: [String]) throws {
        let cron = try CronExpression(expression)
        let fires = cron.fires(after: Self.date(start), through: .distantFuture, in: Self.zone(zone), limit: expected.count)
        #expect(fires == expected.map(Self.date), "\(expression) in \(zone) after \(start)")
    }

    @Test func aSkippedTimeAndARepeatedTimeEachRunOncePerDay() throws {
        let cron = try CronExpression("30 2 * * *")
        let berlin = Self.zone("Europe/Berlin")
        for (from, to) in [("2027-03-27T22:00:00Z", "2027-03-28T22:00:00Z"), ("2027-10-30T22:00:00Z", "2027-10-31T23:00:00Z")] {
            #expect(cron.fires(after: Self.date(from), through: Self.date(to), in: berlin).count == 1)
        }
    }

    static let invalid: [(String, String)] = [
        ("* * * *", "expected 5 fields"),
        ("60 * * * *", "is not a valid minute"),
        ("* 24 * * *", "is not a valid hour"),
        ("* * 0 * *", "is not a valid day-of-month"),
        ("* * * 13 *", "is not a valid month"),
        ("* * * * 8", "is not a valid day-of-week"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "runs backwards"),
        ("* * * foo *", "is not a valid month"),
        ("0 0 30 2 *", "names no day"),
        ("1,,2 * * * *", "not a valid minute field"),
        ("@fortnightly", "expected 5 fields"),
    ]

    @Test(arguments: invalid)
    func badExpressionsAreRefusedWithAReason(_ expression: String, _ reason: String) {
        #expect {
            try CronExpression(expression)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
