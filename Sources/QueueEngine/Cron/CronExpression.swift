import Foundation

/// A cron expression: five fields (minute hour day-of-month month day-of-week), or six with a leading
/// seconds field, or one of `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`,
/// `@hourly`. Fields take `*`, `?`, numbers, names (`jan`–`dec`, `sun`–`sat`), ranges `a-b`, steps
/// `*/n`, `a-b/n`, `a/n` and lists `a,b-c`. Day-of-week 7 is Sunday, like 0.
///
/// As in Vixie cron, when both day fields are restricted (do not start with `*`) a day matches if
/// either does (`0 0 13 * 5` is the 13th and every Friday). Next fire times are computed on the wall clock of a
/// time zone; see `nextFire(after:in:)` for daylight-saving changes.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    let seconds: FieldSet
    let minutes: FieldSet
    let hours: FieldSet
    let daysOfMonth: FieldSet
    let months: FieldSet
    let daysOfWeek: FieldSet
    /// The day field does not start with `*` (or `?`): when both day fields are restricted a day
    /// matches if either does, Vixie cron's rule (`0 0 9 * 0-6` runs every day; `0 0 */2 * 1` runs
    /// on Mondays that fall on odd days).
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    /// Every hour matches: such an entry fires in both passes of a repeated (fall-back) hour.
    let everyHour: Bool

    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError("expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, "
                            + "got \(fields.count) in \"\(trimmed)\"")
        }
        let offset = fields.count - 5
        description = trimmed
        seconds = offset == 1 ? try FieldSet(fields[0], .second) : FieldSet(bits: 1)
        minutes = try FieldSet(fields[offset], .minute)
        hours = try FieldSet(fields[offset + 1], .hour)
        daysOfMonth = try FieldSet(fields[offset + 2], .dayOfMonth)
        months = try FieldSet(fields[offset + 3], .month)
        daysOfWeek = try FieldSet(fields[offset + 4], .dayOfWeek)
        dayOfMonthRestricted = !(fields[offset + 2].hasPrefix("*") || fields[offset + 2].hasPrefix("?"))
        dayOfWeekRestricted = !(fields[offset + 4].hasPrefix("*") || fields[offset + 4].hasPrefix("?"))
        everyHour = hours == FieldSet.all(.hour)
        guard canEverFire else {
            throw CronError("\"\(trimmed)\" names no day that exists in the months it allows")
        }
    }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Whether some day matches at all (a bare `30 2` of February never does unless the week-day
    /// field ORs other days in).
    private var canEverFire: Bool {
        if dayOfMonthRestricted && dayOfWeekRestricted { return true }
        let longestMonth = (1...12).filter { months.contains($0) }.map { CivilDate.daysIn(month: $0, year: 2000) }.max() ?? 0
        return (1...max(1, longestMonth)).contains { daysOfMonth.contains($0) } && longestMonth > 0
    }

    /// Whether the schedule runs on this civil date.
    func matches(_ date: CivilDate) -> Bool {
        guard months.contains(date.month) else { return false }
        let dayOfMonth = daysOfMonth.contains(date.day)
        let dayOfWeek = daysOfWeek.contains(date.weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }
}

/// Why a cron expression or schedule entry was refused.
public struct CronError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
