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
        switch environment.string("MIGRATE_ON_START", default: "true") {
        case "true", "1": migrateOnStart = true
        case "false", "0": migrateOnStart = false
        default: throw ConfigurationError("MIGRATE_ON_START", "expected true or false")
        }
    }
}
