import Jobs
import Logging
import Platform
import QueueEngine
import ServerSupport
import ServiceLifecycle
import Telemetry

/// Everything the worker process reads from its environment, read once at startup.
struct WorkerProcessConfiguration {
    var database: DatabaseConfiguration
    var redis: RedisConfiguration?
    var worker: WorkerConfiguration
    var maintenance: MaintenanceConfiguration
    /// Twilio and the calling rules (`TWILIO_*`, `PUBLIC_BASE_URL`, `CALL_*`).
    var providers: PlatformProviders
    /// Whether `WORKER_QUEUES` names the queues; else the worker serves all of the platform's.
    var queuesChosen: Bool
    /// Queues a worker of every platform queue leaves to another worker group (`WORKER_QUEUES_EXCLUDE`,
    /// e.g. `calls` for a group of its own), so new queues still reach the general group.
    var excludedQueues: Set<String>
    /// Whether this process applies pending migrations before it starts (`MIGRATE_ON_START`).
    var migrateOnStart: Bool
    /// `/metrics` and `/health/live` on `METRICS_PORT`, when set.
    var metricsListener: (any Service)?
    /// OTLP export of the attempts' spans, when an endpoint is configured.
    var spanExporter: (any Service)?

    init(environment: Environment) throws {
        database = try DatabaseConfiguration(environment: environment)
        redis = try RedisConfiguration.from(environment)
        worker = try WorkerConfiguration(environment: environment)
        maintenance = try MaintenanceConfiguration(environment: environment)
        providers = try PlatformProviders(environment: environment)
        queuesChosen = environment["WORKER_QUEUES"] != nil
        excludedQueues = Set(environment.string("WORKER_QUEUES_EXCLUDE", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if queuesChosen, !excludedQueues.isEmpty {
            throw ConfigurationError("WORKER_QUEUES_EXCLUDE", "applies to the platform's queues; with WORKER_QUEUES, leave the queue out there")
        }
        migrateOnStart = try environment.bool("MIGRATE_ON_START", default: true)
        metricsListener = try Telemetry.listener(environment: environment, logger: Logger(label: "worker.metrics"))
        spanExporter = try Telemetry.spanExporter(environment: environment, process: "worker", logger: Logger(label: "worker.traces"))
    }
}
