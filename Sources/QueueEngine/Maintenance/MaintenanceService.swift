import Logging
import ServiceLifecycle

/// The engine's housekeeping in one service: every task runs on its own period, and each pass runs
/// in one process at a time (the task's advisory lock, held only for the pass), so every worker
/// can carry the service and a crashed leader's work is taken over at the next period.
public struct MaintenanceService: Service {
    /// One periodic task: `pass` does everything due now, or returns nil when another process holds
    /// the task's lock.
    public struct Periodic: Sendable {
        public let name: String
        public let period: Duration
        public let pass: @Sendable () async throws -> Int?

        public init(name: String, period: Duration, pass: @escaping @Sendable () async throws -> Int?) {
            self.name = name
            self.period = period
            self.pass = pass
        }
    }

    let tasks: [Periodic]
    let logger: Logger

    public init(tasks: [Periodic], logger: Logger) {
        self.tasks = tasks
        self.logger = logger
    }

    /// The rescuer and the pruner of a worker process.
    public init(store: JobStore, publisher: WakeupPublisher?, configuration: MaintenanceConfiguration, logger: Logger) {
        let rescuer = JobRescuer(store: store, publisher: publisher, configuration: configuration, logger: logger)
        let pruner = JobPruner(store: store, configuration: configuration, logger: logger)
        self.init(tasks: [
            Periodic(name: "rescue", period: configuration.rescueInterval) { try await rescuer.rescueOnce() },
            Periodic(name: "prune", period: configuration.pruneInterval) { try await pruner.pruneOnce() },
        ], logger: logger)
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for task in tasks { group.addTask { await repeatedly(task) } }
            }
        }
    }

    private func repeatedly(_ task: Periodic) async {
        while !Task.isCancelled {
            do {
                _ = try await task.pass()
            } catch {
                logger.warning("maintenance pass failed; retrying", metadata: ["task": "\(task.name)", "error": "\(logDescription(error))"])
            }
            do { try await Task.sleep(for: task.period) } catch { return }
        }
    }
}
