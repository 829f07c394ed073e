import ServerSupport

/// Timing of the rescuer and the pruner.
public struct MaintenanceConfiguration: Sendable {
    /// How often expired leases are looked for; rescue latency after a crash is lease + this.
    public static let defaultRescueInterval: Duration = .seconds(2)
    public static let defaultPruneInterval: Duration = .seconds(60)
    /// Finished jobs are kept this long for inspection, then deleted.
    public static let defaultRetention: Duration = .seconds(86_400)
    public static let defaultBatchSize = 5_000

    public var rescueInterval = MaintenanceConfiguration.defaultRescueInterval
    public var pruneInterval = MaintenanceConfiguration.defaultPruneInterval
    public var retention = MaintenanceConfiguration.defaultRetention
    public var batchSize = MaintenanceConfiguration.defaultBatchSize

    public init() {}

    public init(environment: Environment) throws {
        rescueInterval = try environment.milliseconds("RESCUE_INTERVAL_MS", default: Self.defaultRescueInterval)
        pruneInterval = try environment.milliseconds("PRUNE_INTERVAL_MS", default: Self.defaultPruneInterval)
        retention = try environment.seconds("JOB_RETENTION_SECONDS", default: Self.defaultRetention, minimum: 0)
    }
}
