import QueueEngine

/// Deletes finished jobs older than `retentionHours`, in batches, under the same one-at-a-time lock
/// as the worker's built-in pruner (so a scheduled prune and the worker's never overlap). Lets an
/// operator run pruning on a schedule of their choosing from `cron/`.
public struct PruneJobsJob: JobKind {
    public struct Args: Codable, Sendable {
        public var retentionHours: Int?
        public var batchSize: Int?
    }

    struct Result: Codable {
        let deleted: Int
        let skippedBecauseAnotherPrunerRuns: Bool
    }

    public static let name = "maintenance.prune-jobs"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(600)) }

    let store: JobStore

    public init(store: JobStore) {
        self.store = store
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        var configuration = MaintenanceConfiguration()
        if let hours = args.retentionHours {
            guard (1...876_000).contains(hours) else { return .discard(reason: "retentionHours must be from 1 to 876000 (a hundred years)") }
            configuration.retention = .seconds(hours * 3_600)
        }
        if let batch = args.batchSize {
            guard (1...100_000).contains(batch) else { return .discard(reason: "batchSize must be 1 to 100000") }
            configuration.batchSize = batch
        }
        let pruner = JobPruner(store: store, configuration: configuration, logger: context.logger)
        let deleted = try await pruner.pruneOnce()
        return try .success(Result(deleted: deleted ?? 0, skippedBecauseAnotherPrunerRuns: deleted == nil))
    }
}
