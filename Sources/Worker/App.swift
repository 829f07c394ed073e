import Jobs
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import ServiceLifecycle

/// The worker process, in start order: the PostgreSQL pool, `/metrics`, the wake-up publisher (for
/// rescued jobs), the migrations, then the engine's maintenance (rescuer and pruner, each pass in
/// one process at a time) and the worker itself. SIGTERM/SIGINT stop it in reverse order: the
/// worker first, so its final acks still have a database.
@main
struct App {
    static func main() async {
        await ProcessRunner.run("worker", configuration: WorkerProcessConfiguration.init, describe: logDescription) { configuration, logger in
            let client = try await configuration.database.makeClient(logger: logger)
            let store = JobStore(client: client, logger: logger, replyTimeout: configuration.database.replyTimeout)
            let publisher = configuration.redis.map { WakeupPublisher(configuration: $0, logger: logger) }
            let subscriber = configuration.redis.map { WakeupSubscriber(configuration: $0, logger: logger) }
            let registry = PlatformJobs.registry(store: store, providers: configuration.providers)
            var workerConfiguration = configuration.worker
            if !configuration.queuesChosen {
                workerConfiguration.queues = PlatformJobs.defaultQueues(registry).filter { !configuration.excludedQueues.contains($0.key) }
                guard !workerConfiguration.queues.isEmpty else {
                    throw ConfigurationError("WORKER_QUEUES_EXCLUDE", "leaves this worker no queue")
                }
            }
            let worker = Worker(configuration: workerConfiguration, store: store, registry: registry, subscriber: subscriber,
                                publisher: publisher, logger: logger)
            let maintenance = MaintenanceService(store: store, publisher: publisher, configuration: configuration.maintenance,
                                                 logger: logger)
            let dependencies: [(any Service)?] = [configuration.spanExporter, client, configuration.metricsListener, publisher]
            return dependencies.compactMap { $0 } + [
                PreparedServices(prepare: PlatformMigrations.onStart(configuration.migrateOnStart, client: client, logger: logger),
                                 then: [maintenance, worker], logger: logger),
            ]
        }
    }
}
