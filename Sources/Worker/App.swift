import Foundation
import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import ServiceLifecycle
import Telemetry

/// The worker process: PostgreSQL pool, wake-up publisher (for rescued jobs), the rescuer and the
/// pruner (each active in one process at a time), then the worker itself. SIGTERM/SIGINT stop it
/// gracefully in reverse order: the worker first, so its final acks still have a database.
@main
struct App {
    static func main() async {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let configuration: WorkerProcessConfiguration
        let logger: Logger
        do {
            logger = LogConfiguration.bootstrap(label: "worker", level: try LogConfiguration.level(environment),
                                               format: try LogConfiguration.format(environment))
            configuration = try WorkerProcessConfiguration(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("worker: invalid configuration: \(error)\n".utf8))
            exit(2)
        }
        do {
            try await run(configuration, logger: logger)
        } catch {
            logger.critical("worker failed", metadata: ["error": "\(logDescription(error))"])
            exit(1)
        }
    }

    static func run(_ configuration: WorkerProcessConfiguration, logger: Logger) async throws {
        if configuration.migrateOnStart {
            let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
            try await client.whileRunning {
                try await PlatformMigrations.migrator(client: client, logger: logger).migrate()
            }
        }
        let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        let store = JobStore(client: client, logger: logger, replyTimeout: configuration.database.replyTimeout)
        let publisher = configuration.redis.map { WakeupPublisher(configuration: $0, logger: logger) }
        let subscriber = configuration.redis.map { WakeupSubscriber(configuration: $0, logger: logger) }
        let registry = PlatformJobs.registry(store: store, providers: configuration.providers)
        var workerConfiguration = configuration.worker
        if !configuration.queuesChosen { workerConfiguration.queues = PlatformJobs.defaultQueues(registry) }
        let worker = Worker(configuration: workerConfiguration, store: store, registry: registry, subscriber: subscriber,
                            publisher: publisher, logger: logger)
        var services: [any Service] = [client]
        if let metrics = configuration.metricsListener { services.append(metrics) }
        if let publisher { services.append(publisher) }
        services.append(JobRescuer(store: store, publisher: publisher, configuration: configuration.maintenance, logger: logger))
        services.append(JobPruner(store: store, configuration: configuration.maintenance, logger: logger))
        services.append(worker)
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
