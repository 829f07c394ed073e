import Foundation
import Hummingbird
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import ServiceLifecycle

/// The API process: configuration read once, migrations applied, then one service group in
/// dependency order: the PostgreSQL pool, the wake-up publisher, the HTTP server. SIGTERM/SIGINT
/// stop it in reverse order, so requests in flight finish with a database.
@main
struct App {
    static func main() async {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let configuration: APIConfiguration
        let logger: Logger
        do {
            logger = LogConfiguration.bootstrap(label: "api", level: try LogConfiguration.level(environment),
                                               format: try LogConfiguration.format(environment))
            configuration = try APIConfiguration(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("api: invalid configuration: \(error)\n".utf8))
            exit(2)
        }
        do {
            try await run(configuration, logger: logger)
        } catch {
            logger.critical("api failed", metadata: ["error": "\(logDescription(error))"])
            exit(1)
        }
    }

    static func run(_ configuration: APIConfiguration, logger: Logger) async throws {
        let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        if configuration.migrateOnStart {
            let migrationClient = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
            try await migrationClient.whileRunning {
                try await PlatformMigrations.migrator(client: migrationClient, logger: logger).migrate()
            }
        }
        let publisher = configuration.redis.map { WakeupPublisher(configuration: $0, logger: logger) }
        let services = await APIServices(configuration: configuration, client: client, publisher: publisher, logger: logger)
        var dependencies: [any Service] = [client]
        if let publisher { dependencies.append(publisher) }
        let application = APIApplication.build(services: services, extraServices: dependencies)
        logger.info("api listening", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
        try await application.runService()
    }
}
