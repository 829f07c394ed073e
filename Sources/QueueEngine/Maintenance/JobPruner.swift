import Logging

/// Deletes finished jobs older than the retention, in batches, so the table (and its indexes) stay
/// small under churn. `MaintenanceService` runs it periodically, in one process at a time.
public struct JobPruner: Sendable {
    let store: JobStore
    let configuration: MaintenanceConfiguration
    let logger: Logger

    public init(store: JobStore, configuration: MaintenanceConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Prunes everything due now; nil when another process is the pruner.
    public func pruneOnce() async throws -> Int? {
        var total = 0
        while true {
            let (retention, batchSize, logger) = (configuration.retention, configuration.batchSize, self.logger)
            guard let count = try await store.asLeader(of: .prune, { connection in
                try await JobStore.pruneFinished(olderThan: retention, limit: batchSize, on: connection, logger: logger)
            }) else { return total == 0 ? nil : total }
            total += count
            if count > 0 { logger.info("pruned finished jobs", metadata: ["count": "\(count)"]) }
            if count < batchSize { return total }
        }
    }
}
