import Foundation
import QueueEngine

/// Starts the deletions whose grace period is over: one `gdpr.delete` job per due request (unique
/// per request, so overlapping sweeps start each once). Scheduled from `cron/`.
public enum GDPRDueDeletionsJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public init() {}
    }

    public static let name = "gdpr.start-due-deletions"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(300)) }
}
