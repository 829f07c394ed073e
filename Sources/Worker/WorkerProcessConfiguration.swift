import QueueEngine

/// Everything the worker process reads from its environment, read once at startup.
struct WorkerProcessConfiguration: Sendable {
    var database: DatabaseConfiguration
    var redis: RedisConfiguration?
    var worker: WorkerConfiguration
    var maintenance: MaintenanceConfiguration
    /// Whether this process applies pending migrations before it starts (`MIGRATE_ON_START`).
    var migrateOnStart: Bool

    init(environment: Environment) throws {
        database = try DatabaseConfiguration(environment: environment)
        redis = try RedisConfiguration.from(environment)
        worker = try WorkerConfiguration(environment: environment)
        maintenance = try MaintenanceConfiguration(environment: environment)
        migrateOnStart = try environment.bool("MIGRATE_ON_START", default: true)
    }
}
