import Foundation
import Logging
import ServiceLifecycle

/// The one start of every long-running process (API, worker, scheduler): logging from `LOG_LEVEL`
/// and `LOG_FORMAT`, the configuration read once, then one service group in dependency order that
/// SIGTERM/SIGINT stop gracefully in reverse order. A bad variable exits 2 naming it (also when only
/// building the services finds it out, as a refused database certificate); a failure
/// while running exits 1 after a critical log line (`describe` keeps query text out of it).
public enum ProcessRunner {
    public static func run<Configuration>(
        _ label: String,
        environment: Environment = Environment(ProcessInfo.processInfo.environment),
        configuration read: (Environment) throws -> Configuration,
        describe: (any Error) -> String = { String(reflecting: $0) },
        services build: @Sendable (Configuration, Logger) async throws -> [any Service]
    ) async -> Never {
        let logger: Logger
        let configuration: Configuration
        do {
            logger = LogConfiguration.bootstrap(label: label, level: try LogConfiguration.level(environment),
                                               format: try LogConfiguration.format(environment))
            configuration = try read(environment)
        } catch {
            FileHandle.standardError.write(Data("\(label): invalid configuration: \(error)\n".utf8))
            exit(2)
        }
        let services: [any Service]
        do {
            services = try await build(configuration, logger)
        } catch let error as ConfigurationError {
            // Found only on contact (a certificate the settings refuse): as bad a variable as any other.
            FileHandle.standardError.write(Data("\(label): invalid configuration: \(error)\n".utf8))
            exit(2)
        } catch {
            logger.critical("\(label) failed", metadata: ["error": "\(describe(error))"])
            exit(1)
        }
        do {
            let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()
            exit(0)
        } catch {
            logger.critical("\(label) failed", metadata: ["error": "\(describe(error))"])
            exit(1)
        }
    }
}

/// One-off preparation (the database migrations) as a service of the group, placed after the
/// services it needs (the PostgreSQL pool): the services that depend on it start only once it has
/// finished, so nothing serves against an old schema, and a failed preparation stops the process
/// before it serves anything. A shutdown requested while preparing lets the preparation finish and
/// starts nothing.
public struct PreparedServices: Service {
    let prepare: (@Sendable () async throws -> Void)?
    let services: [any Service]
    let logger: Logger

    public init(prepare: (@Sendable () async throws -> Void)?, then services: [any Service], logger: Logger) {
        self.prepare = prepare
        self.services = services
        self.logger = logger
    }

    public func run() async throws {
        if let prepare { try await prepare() }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        try await ServiceGroup(services: services, logger: logger).run()
    }
}
