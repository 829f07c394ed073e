import Logging
import ServiceLifecycle

/// Returns the jobs of dead workers to the queue: running jobs whose lease expired become available
/// again (or discarded when their attempts are used up). Runs in one process at a time.
public struct JobRescuer: Service {
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

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await rescueOnce()
                } catch {
                    logger.warning("rescue failed; retrying", metadata: ["error": "\(logDescription(error))"])
                }
                try await Task.sleep(for: configuration.rescueInterval)
            }
        }
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
