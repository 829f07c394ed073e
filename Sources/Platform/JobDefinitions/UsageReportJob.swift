import Foundation
import QueueEngine

/// Emails each workspace's Owners and Admins its usage over the last `periodDays` (1: daily, 7:
/// weekly), ending at the start of today (UTC) so every run of a day reports the same period.
/// Workspaces without activity in the period get no email. Each report is recorded with its emails
/// in one transaction, so a retried run mails nobody twice. Scheduled from `cron/`.
public enum UsageReportJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var periodDays: Int
        /// One workspace only (nil: all).
        public var workspaceID: UUID?

        public init(periodDays: Int, workspaceID: UUID? = nil) {
            self.periodDays = periodDays
            self.workspaceID = workspaceID
        }
    }

    public static let name = "reports.usage"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(1_800)) }
}
