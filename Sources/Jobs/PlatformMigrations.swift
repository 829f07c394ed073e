import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// The whole schema of the platform: the engine's migrations and this library's (accounts, and the
/// tables of each job-kind issue), one numbered sequence applied by every process at start.
public enum PlatformMigrations {
    public static var directories: [URL] {
        [Migrator.engineMigrations, Bundle.module.url(forResource: "Migrations", withExtension: nil)!]
    }

    public static func migrator(client: PostgresClient, logger: Logger) -> Migrator {
        Migrator(client: client, directories: directories, logger: logger)
    }
}
