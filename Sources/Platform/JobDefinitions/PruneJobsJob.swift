import Foundation
import QueueEngine

/// Deletes finished jobs older than `retentionHours`, in batches, under the same one-at-a-time lock
/// as the worker's built-in pruner (so a scheduled prune and the worker's never overlap). Lets an
/// operator run pruning on a schedule of their choosing from `cron/`.
public enum PruneJobsJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var retentionHours: Int?
        public var batchSize: Int?
    }

    public static let name = "maintenance.prune-jobs"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(600)) }
}
