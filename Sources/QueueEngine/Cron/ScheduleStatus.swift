import Foundation

/// One schedule entry as deployed, joined with what the database remembers of it: what
/// `Scheduler status` prints and `GET /api/schedules` answers.
public struct ScheduleStatus: Sendable {
    public let entry: ScheduleEntry
    /// nil when the entry is disabled or never fires again.
    public let nextRun: Date?
    public let record: ScheduleRecord?

    /// The entries in file order, each with its next fire after `now` and its stored record.
    public static func of(_ entries: [ScheduleEntry], records: [ScheduleRecord], now: Date = Date()) -> [ScheduleStatus] {
        let byName = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        return entries.map { entry in
            ScheduleStatus(entry: entry, nextRun: entry.enabled ? entry.expression.nextFire(after: now, in: entry.timeZone) : nil,
                           record: byName[entry.name])
        }
    }
}
