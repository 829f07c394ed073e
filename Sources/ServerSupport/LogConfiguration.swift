import Logging

/// The process's logger from `LOG_LEVEL` (trace, debug, info, notice, warning, error, critical) and
/// `LOG_FORMAT` (text, json, logfmt).
public enum LogConfiguration {
    public static let defaultLevel = Logger.Level.info

    public static func level(_ environment: Environment) throws -> Logger.Level {
        guard let text = environment["LOG_LEVEL"] else { return defaultLevel }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("LOG_LEVEL", "expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    public static func format(_ environment: Environment) throws -> StructuredLogHandler.Format {
        guard let text = environment["LOG_FORMAT"] else { return .text }
        guard let format = StructuredLogHandler.Format(rawValue: text.lowercased()) else {
            throw ConfigurationError("LOG_FORMAT", "expected one of \(StructuredLogHandler.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }

    /// Bootstraps swift-log once per process and returns a logger with the process's label.
    public static func bootstrap(label: String, level: Logger.Level, format: StructuredLogHandler.Format = .text) -> Logger {
        LoggingSystem.bootstrap({ label, provider in
            StructuredLogHandler(label: label, format: format, level: level, metadataProvider: provider)
        }, metadataProvider: LogContext.metadataProvider)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
