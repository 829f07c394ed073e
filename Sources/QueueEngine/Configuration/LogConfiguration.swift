import Logging

/// The process's logger from `LOG_LEVEL` (trace, debug, info, notice, warning, error, critical).
public enum LogConfiguration {
    public static let defaultLevel = Logger.Level.info

    public static func level(_ environment: Environment) throws -> Logger.Level {
        guard let text = environment["LOG_LEVEL"] else { return defaultLevel }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("LOG_LEVEL", "expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// Bootstraps swift-log once per process and returns a logger with the process's label.
    public static func bootstrap(label: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
