import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// The whole schema of the platform: the engine's line of migrations, then this library's (accounts
/// and every table of the domain), each numbered and recorded apart, applied by every process at start.
public enum PlatformMigrations {
    public static var line: Migrator.Line {
        Migrator.Line(name: "platform", directory: Bundle.module.url(forResource: "Migrations", withExtension: nil)!)
    }

    public static func migrator(client: PostgresClient, logger: Logger) -> Migrator {
        Migrator(client: client, lines: [line], logger: logger)
    }

    /// The migrations a process applies in its service group before its servers start, or nil when
    /// `MIGRATE_ON_START` turns them off (a separate migration step runs them instead).
    public static func onStart(_ enabled: Bool, client: PostgresClient, logger: Logger) -> (@Sendable () async throws -> Void)? {
        guard enabled else { return nil }
        return { try await migrator(client: client, logger: logger).migrate() }
    }
}
