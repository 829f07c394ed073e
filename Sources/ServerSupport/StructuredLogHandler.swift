#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// How a process writes its log lines to standard error (`LOG_FORMAT`): `text` for people,
/// `json` (one object per line) or `logfmt` for log collectors. Every line carries the time (UTC,
/// milliseconds), the level, the process's label, the message and the metadata: request ids in
/// the API, job ids, kinds and queues in the worker.
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, logfmt
    }

    public let label: String
    public let format: Format
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, format: Format, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let text = Self.line(format: format, time: Self.timestamp(), level: event.level, label: label, message: event.message.description,
                             metadata: merged)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// One line, newline included, so a single write keeps lines of concurrent loggers whole.
    static func line(format: Format, time: String, level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata) -> String {
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            let fields = keys.map { "\($0)=\(metadata[$0]!)" }.joined(separator: " ")
            return "\(time) \(level) \(label): \(fields.isEmpty ? "" : "[\(fields)] ")\(message)\n"
        case .json:
            var fields = ["\"ts\":\(json(time))", "\"level\":\(json(level.rawValue))", "\"logger\":\(json(label))", "\"msg\":\(json(message))"]
            fields += keys.map { "\(json($0)):\(json(metadata[$0]!))" }
            return "{\(fields.joined(separator: ","))}\n"
        case .logfmt:
            var fields = ["ts=\(time)", "level=\(level.rawValue)", "logger=\(logfmt(label))", "msg=\(logfmt(message))"]
            fields += keys.map { key in
                switch metadata[key]! {
                case .string(let text): "\(key)=\(logfmt(text))"
                case .stringConvertible(let value): "\(key)=\(logfmt(value.description))"
                case let nested: "\(key)=\(logfmt(json(nested)))"
                }
            }
            return fields.joined(separator: " ") + "\n"
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): json(text)
        case .stringConvertible(let value): json(value.description)
        case .array(let values): "[\(values.map(json).joined(separator: ","))]"
        case .dictionary(let values): "{\(values.keys.sorted().map { "\(json($0)):\(json(values[$0]!))" }.joined(separator: ","))}"
        }
    }

    static func json(_ text: String) -> String {
        JSONText.quoted(text)
    }

    /// A bare value when it has no space, quote, `=` or control character; quoted otherwise.
    static func logfmt(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" }
        return plain ? text : json(text)
    }

    /// `2026-11-26T03:18:52.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):"
            + "\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}

/// Metadata that follows a task rather than a logger: the API's request id and the current trace
/// (`TraceContext.current`) reach every line logged while a request is served or a job runs,
/// whichever logger writes it.
public enum LogContext {
    @TaskLocal public static var requestID: String?

    public static let metadataProvider = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let id = requestID { metadata["request.id"] = .string(id) }
        if let trace = TraceContext.current {
            metadata["trace.id"] = .string(trace.traceID)
            metadata["span.id"] = .string(trace.spanID)
        }
        return metadata
    }
}
