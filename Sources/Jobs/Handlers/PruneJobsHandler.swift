import Platform
import QueueEngine

/// Runs `PruneJobsJob` (its arguments and defaults are defined in Platform, for producers).
public struct PruneJobsHandler: JobHandler {
    public typealias Definition = PruneJobsJob
    public typealias Args = PruneJobsJob.Args

    struct Result: Codable {
        let deleted: Int
        let skippedBecauseAnotherPrunerRuns: Bool
    }

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
