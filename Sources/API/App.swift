import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import ServiceLifecycle

/// The API process, in start order: the PostgreSQL pool, the wake-up publisher, the migrations,
/// then the HTTP server. SIGTERM/SIGINT stop it in reverse order, so requests in flight finish with
/// a database.
@main
struct App {
    static func main() async {
        await ProcessRunner.run("api", configuration: APIConfiguration.init, describe: logDescription) { configuration, logger in
            let client = try await configuration.database.makeClient(logger: logger)
            let publisher = configuration.redis.map { WakeupPublisher(configuration: $0, logger: logger) }
            let services = await APIServices(configuration: configuration, client: client, publisher: publisher, logger: logger)
            let application = APIApplication.build(services: services)
            let dependencies: [(any Service)?] = [configuration.spanExporter, client, publisher]
            return dependencies.compactMap { $0 } + [
                PreparedServices(prepare: PlatformMigrations.onStart(configuration.migrateOnStart, client: client, logger: logger),
                                 then: [application] + [APIApplication.metricsListener(services: services)].compactMap { $0 }, logger: logger),
            ]
        }
    }
}
