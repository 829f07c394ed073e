import Hummingbird
import Logging
import Metrics
import Prometheus
import QueueEngine
import ServerSupport
import ServiceLifecycle

/// Prometheus for every process: swift-metrics records into one registry per process (the engine's
/// `EngineMetrics`, Hummingbird's HTTP metrics), and `/metrics` answers it in the text format.
public enum Telemetry {
    /// The process's registry; the first use bootstraps swift-metrics with it (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (renamed[name] ?? sanitized(name), labels.map { (renamed[$0.0] ?? sanitized($0.0), $0.1) })
        }
        factory.durationHistogramBuckets = [EngineMetrics.Name.duration: jobBuckets, EngineMetrics.Name.wait: jobBuckets,
                                            "provider_request_duration_seconds": providerBuckets]
        factory.valueHistogramBuckets = [EngineMetrics.Name.claimBatch: [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000]]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// `build_info` and the `process_*` figures, read again at every scrape.
    static let process = ProcessMetrics(registry: registry)

    /// Jobs run from milliseconds (an email) to many minutes (a call, a report).
    static let jobBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5), .seconds(15),
        .seconds(60), .seconds(300), .seconds(900), .seconds(3_600),
    ]

    /// Providers (`ProviderMetrics`) answer in tens of milliseconds (a voice's first audio) to tens of
    /// seconds (a long transcription).
    static let providerBuckets: [Duration] = [
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Hummingbird's metric and label names, in this platform's Prometheus vocabulary.
    static let renamed = [
        "hb.requests": "http_requests_total",
        "hb.request.errors": "http_request_errors_total",
        "http.server.request.duration": "http_request_duration_seconds",
        "http.server.active_requests": "http_active_requests",
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]

    /// Prometheus names allow letters, digits, `_` and `:`.
    static func sanitized(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }

    /// The `/metrics` answer: Prometheus text format 0.0.4.
    public static func response() -> Response {
        process.update()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    /// For the processes without an HTTP API (worker, scheduler): `/metrics` and `/health/live` on
    /// `METRICS_HOST:METRICS_PORT` (default 127.0.0.1, no listener when the port is unset).
    public static func listener(environment: ServerSupport.Environment, logger: Logger) throws -> (any Service)? {
        _ = registry
        guard environment["METRICS_PORT"] != nil else { return nil }
        let port = try environment.int("METRICS_PORT", default: 0, range: 1...65_535)
        let router = Router()
        router.get("metrics") { _, _ in response() }
        router.get("health/live") { _, _ in "ok\n" }
        return Application(router: router, configuration: .init(address: .hostname(environment.string("METRICS_HOST", default: "127.0.0.1"),
                                                                                    port: port)),
                           logger: logger)
    }
}
