import Logging

/// Returns the jobs of dead workers to the queue: running jobs whose lease expired become available
/// again (or discarded when their attempts are used up). `MaintenanceService` runs it
/// periodically, in one process at a time.
public struct JobRescuer: Sendable {
    let store: JobStore
    let publisher: WakeupPublisher?
    let configuration: MaintenanceConfiguration
    let logger: Logger

    public init(store: JobStore, publisher: WakeupPublisher?, configuration: MaintenanceConfiguration, logger: Logger) {
        self.store = store
        self.publisher = publisher
        self.configuration = configuration
        self.logger = logger
    }

    /// Rescues every expired lease now (in batches); nil when another process is the rescuer.
    public func rescueOnce() async throws -> Int? {
        var total = 0
        while true {
            let batchSize = configuration.batchSize
            let logger = self.logger
            guard let (count, queues) = try await store.asLeader(of: .rescue, { connection in
                try await JobStore.rescueExpired(limit: batchSize, on: connection, logger: logger)
            }) else { return total == 0 ? nil : total }
            total += count
            if !queues.isEmpty { publisher?.notify(queues: queues) }
            if count > 0 { logger.info("rescued jobs with expired leases", metadata: ["count": "\(count)"]) }
            if count < batchSize { return total }
        }
    }
}
