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
}
