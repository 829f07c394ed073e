import Foundation
import QueueEngine

/// Warns a workspace's Owners and Admins by email when its balance crosses one of its warning
/// thresholds (percentages of the allowance set by the latest grant; a new grant rearms them) and
/// when its spend in the last hour is `usageFactor` times its usual hourly spend over the week
/// before. Each crossing and each such hour is recorded with the emails in one transaction, so
/// repeated runs send one warning per crossing, not one per run. Before that, it charges the
/// assistant turns of calls whose end was never reported (`ConversationBilling.staleAfter`).
/// Scheduled from `cron/`.
public enum CreditCheckJob: JobDefinition {
    public struct Args: Codable, Sendable {
        /// How many times the usual hourly spend counts as unusual (default 5).
        public var usageFactor: Double?
        /// Spend in an hour below this never alerts, in millicredits (default 10,000: 10 credits).
        public var usageMinimum: Int64?

        public init(usageFactor: Double? = nil, usageMinimum: Int64? = nil) {
            self.usageFactor = usageFactor
            self.usageMinimum = usageMinimum
        }
    }

    public static let name = "credits.check"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(600)) }
}
