import Foundation

/// What the database remembers of one schedule entry, with the state of its latest job.
public struct ScheduleRecord: Sendable, Equatable {
    public let name: String
    public let coveredUntil: Date
    public let lastTick: Date?
    public let lastJobID: Int64?
    public let lastJobState: JobState?
}
