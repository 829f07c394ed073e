import Foundation
import QueueEngine

/// Deletes refresh tokens past their expiry, invites that expired or were accepted, and password
/// resets that expired or were used, older than `graceHours`, in batches until none is left.
/// Scheduled from `cron/`.
public enum CleanupExpiredAccessJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var graceHours: Int?
        public var batchSize: Int?

        public init(graceHours: Int? = nil, batchSize: Int? = nil) {
            self.graceHours = graceHours
            self.batchSize = batchSize
        }
    }

    public static let name = "auth.cleanup-expired"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(600)) }
}
