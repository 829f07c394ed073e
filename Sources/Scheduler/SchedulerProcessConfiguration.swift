import Logging
import QueueEngine
import ServerSupport
import ServiceLifecycle
import Telemetry

/// Everything the scheduler process reads from its environment, read once at startup.
struct SchedulerProcessConfiguration {
    static let defaultCronFolder = "cron"

    var database: DatabaseConfiguration
    var redis: RedisConfiguration?
    /// The folder whose `*.yaml` files hold the schedule (`SCHEDULER_CRON_DIR`).
    var cronFolder: String
    /// How late a tick may be and still count as on time (`SCHEDULER_MISFIRE_GRACE_MS`).
    var misfireGrace: Duration
    /// Whether this process applies pending migrations before it starts (`MIGRATE_ON_START`).
    var migrateOnStart: Bool
    /// `/metrics` and `/health/live` on `METRICS_PORT`, when set.
    var metricsListener: (any Service)?

    init(environment: Environment) throws {
        database = try DatabaseConfiguration(environment: environment)
        redis = try RedisConfiguration.from(environment)
        cronFolder = environment.string("SCHEDULER_CRON_DIR", default: Self.defaultCronFolder)
        misfireGrace = try environment.milliseconds("SCHEDULER_MISFIRE_GRACE_MS", default: CronScheduler.defaultMisfireGrace)
        migrateOnStart = try environment.bool("MIGRATE_ON_START", default: true)
        metricsListener = try Telemetry.listener(environment: environment, logger: Logger(label: "scheduler.metrics"))
    }
}
