import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServerSupport
import ServiceLifecycle
import Synchronization

/// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP with JSON bodies
/// (`POST …/v1/traces`, `ExportTraceServiceRequest`): buffered, in batches, every schedule delay and
/// at shutdown. Spans past a full buffer are dropped and counted, never waited for: tracing must not
/// slow a request or a job. Off unless an OTLP endpoint is configured (`Telemetry.spanExporter`).
public final class OTLPSpanExporter: SpanSink, Service {
    public struct Configuration: Sendable {
        /// The full traces URL, `…/v1/traces`.
        public var endpoint: String
        public var headers: [(String, String)]
        public var serviceName: String
        public var scheduleDelay: Duration
        public var maxQueueSize: Int
        public var maxBatchSize: Int
        public var timeout: Duration

        public init(endpoint: String, headers: [(String, String)] = [], serviceName: String, scheduleDelay: Duration = .seconds(5),
                    maxQueueSize: Int = 2_048, maxBatchSize: Int = 512, timeout: Duration = .seconds(10)) {
            self.endpoint = endpoint
            self.headers = headers
            self.serviceName = serviceName
            self.scheduleDelay = scheduleDelay
            self.maxQueueSize = maxQueueSize
            self.maxBatchSize = maxBatchSize
            self.timeout = timeout
        }
    }

    public let configuration: Configuration
    private let buffer = Mutex<(spans: [Span], dropped: Int)>(([], 0))
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func export(_ span: Span) {
        buffer.withLock { buffer in
            if buffer.spans.count < configuration.maxQueueSize { buffer.spans.append(span) } else { buffer.dropped += 1 }
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.scheduleDelay)
                await flush()
            }
        }
        await flush()
    }

    /// Sends everything buffered now, batch by batch; a batch the collector refuses is logged and dropped.
    public func flush() async {
        while true {
            let (batch, dropped) = buffer.withLock { buffer -> ([Span], Int) in
                let batch = Array(buffer.spans.prefix(configuration.maxBatchSize))
                buffer.spans.removeFirst(batch.count)
                defer { buffer.dropped = 0 }
                return (batch, buffer.dropped)
            }
            if dropped > 0 { logger.warning("spans dropped: the export buffer was full", metadata: ["spans": "\(dropped)"]) }
            guard !batch.isEmpty else { return }
            var request = HTTPClientRequest(url: configuration.endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in configuration.headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: Self.body(batch, serviceName: configuration.serviceName)))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(configuration.timeout.components.seconds))
                if response.status.code >= 300 {
                    let text = String(buffer: try await response.body.collect(upTo: 4_096))
                    logger.warning("the collector refused spans", metadata: ["status": "\(response.status.code)", "answer": "\(text)"])
                }
            } catch {
                logger.warning("spans could not be sent", metadata: ["endpoint": "\(configuration.endpoint)", "error": "\(error)"])
            }
        }
    }

    /// OTLP/JSON: ids as hex, times as decimal strings of nanoseconds, enums as numbers.
    static func body(_ spans: [Span], serviceName: String) -> Data {
        func attributes(_ values: [String: Span.Attribute]) -> [[String: Any]] {
            values.sorted { $0.key < $1.key }.map { key, value in
                let encoded: [String: Any] = switch value {
                case .string(let text): ["stringValue": text]
                case .int(let number): ["intValue": String(number)]
                case .bool(let flag): ["boolValue": flag]
                case .double(let number): ["doubleValue": number]
                }
                return ["key": key, "value": encoded]
            }
        }
        let encoded: [[String: Any]] = spans.map { span in
            var object: [String: Any] = [
                "traceId": span.context.traceID, "spanId": span.context.spanID, "name": span.name, "kind": span.kind.rawValue,
                "startTimeUnixNano": String(span.start), "endTimeUnixNano": String(span.end), "attributes": attributes(span.attributes),
                "status": span.error.map { ["code": 2, "message": $0] as [String: Any] } ?? ["code": 0],
            ]
            if let parent = span.context.parentSpanID { object["parentSpanId"] = parent }
            return object
        }
        let request: [String: Any] = ["resourceSpans": [[
            "resource": ["attributes": attributes(["service.name": .string(serviceName), "service.version": .string(ProcessMetrics.version)])],
            "scopeSpans": [["scope": ["name": "voicepartner", "version": ProcessMetrics.version], "spans": encoded]],
        ]]]
        return (try? JSONSerialization.data(withJSONObject: request)) ?? Data()
    }
}

extension Telemetry {
    /// The OTLP exporter the environment asks for, installed as the process's span sink; nil (no
    /// tracing export) unless `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (its base, `/v1/traces` added) is set and `OTEL_TRACES_EXPORTER`
    /// is not `none`. `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,…`), `OTEL_SERVICE_NAME`,
    /// `OTEL_BSP_SCHEDULE_DELAY` (ms); `OTEL_EXPORTER_OTLP_PROTOCOL` may only be `http/json`.
    public static func spanExporter(environment: ServerSupport.Environment, process: String, logger: Logger) throws -> OTLPSpanExporter? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard value("OTEL_TRACES_EXPORTER")?.lowercased() != "none" else { return nil }
        let endpoint: String
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            endpoint = traces
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            endpoint = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            return nil
        }
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError("OTEL_EXPORTER_OTLP_ENDPOINT", "expected an http(s) URL, got \(endpoint)")
        }
        if let protocolName = value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value("OTEL_EXPORTER_OTLP_PROTOCOL"), protocolName != "http/json" {
            throw ConfigurationError("OTEL_EXPORTER_OTLP_PROTOCOL", "only http/json is spoken, not \(protocolName)")
        }
        var headers: [(String, String)] = []
        for pair in (value("OTEL_EXPORTER_OTLP_HEADERS") ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ConfigurationError("OTEL_EXPORTER_OTLP_HEADERS", "expected key=value pairs") }
            headers.append((parts[0].trimmingCharacters(in: .whitespaces),
                            (parts[1].trimmingCharacters(in: .whitespaces)).removingPercentEncoding ?? String(parts[1])))
        }
        let delay = try environment.milliseconds("OTEL_BSP_SCHEDULE_DELAY", default: .seconds(5))
        let exporter = OTLPSpanExporter(configuration: .init(endpoint: endpoint, headers: headers,
                                                             serviceName: value("OTEL_SERVICE_NAME") ?? "voicepartner-\(process)",
                                                             scheduleDelay: delay), logger: logger)
        Span.sink = exporter
        return exporter
    }
}
