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
        migrateOnStart = try environment.bool("MIGRATE_ON_START", default: true)
        metricsListener = try Telemetry.listener(environment: environment, logger: Logger(label: "worker.metrics"))
        spanExporter = try Telemetry.spanExporter(environment: environment, process: "worker", logger: Logger(label: "worker.traces"))
    }
}
