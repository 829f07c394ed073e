@testable import API
import Foundation
import HTTPTypes
import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Synchronization
import Telemetry
import Testing
import TestSupport

/// One request's W3C trace, followed: the API continues the caller's `traceparent` and answers its
/// own span, the job the request enqueues stores it, the worker logs the attempt under that trace,
/// and the provider request the job makes carries it to the provider (a local tool endpoint).
@Suite(.timeLimit(.minutes(2))) struct TraceTests {
    /// Every line a worker logs, with its logger's metadata and the task's (request and trace ids).
    final class LogLines: Sendable {
        struct Line: Sendable { let message: String; let metadata: Logger.Metadata }
        let lines = Mutex<[Line]>([])

        var logger: Logger {
            var logger = Logger(label: "traced-worker") { _ in Handler(sink: self) }
            logger.logLevel = .debug
            return logger
        }

        struct Handler: LogHandler {
            let sink: LogLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .debug
            subscript(metadataKey key: String) -> Logger.MetadataValue? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                     file: String, function: String, line: UInt) {
                var merged = self.metadata.merging(LogContext.metadataProvider.get()) { _, new in new }
                if let metadata { merged.merge(metadata) { _, new in new } }
                let entry = Line(message: message.description, metadata: merged)
                sink.lines.withLock { $0.append(entry) }
            }
        }
    }

    static let callerTrace = "0af7651916cd43dd8448eb211c80319c"
    static let callerSpan = "b7ad6b7169203331"

    @Test func aRequestsTraceReachesItsJobTheWorkersLinesAndTheProvider() async throws {
        let endpoint = ToolEndpointStandIn()
        let collector = OTLPCollectorStandIn()
        try await collector.run { collectorBase in
        // Spans of every test running now reach this exporter: a queue large enough to drop none.
        let exporter = try #require(try Telemetry.spanExporter(environment: Environment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": collectorBase, "OTEL_SERVICE_NAME": "trace-test", "OTEL_BSP_SCHEDULE_DELAY": "600000",
        ]), process: "test", logger: APIHarness.logger))
        defer { Span.sink = nil }
        Span.sink = OTLPSpanExporter(configuration: .init(endpoint: exporter.configuration.endpoint, serviceName: "trace-test",
                                                          scheduleDelay: .seconds(600), maxQueueSize: 1_000_000), logger: APIHarness.logger)
        let spans = try #require(Span.sink as? OTLPSpanExporter)
        try await endpoint.run { base in
            try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                let owner = try await api.register("trace")
                let workspace = try await api.createWorkspace(owner)
                var headers = APIHarness.workspaceHeader(workspace)
                let tool = try await ToolTests.create(api, owner, headers, ["name": "lookup", "method": "GET",
                                                                            "url": .string("\(base)/echo/orders/{order_id}"),
                                                                            "parameters": ToolTests.orderSchema])
                headers[HTTPField.Name("traceparent")!] = "00-\(Self.callerTrace)-\(Self.callerSpan)-01"
                let invoked = try await api.call(.post, "/api/tools/\(tool)/invoke", json: .object(["arguments": .object(["order_id": "7"])]),
                                                 as: owner.bearer, headers: headers)
                #expect(invoked.status == .accepted, "\(invoked.body.text)")
                let answered = try #require(invoked.headers[HTTPField.Name("traceparent")!].flatMap(TraceContext.init(traceparent:)))
                #expect(answered.traceID == Self.callerTrace, "the caller's trace is continued")
                #expect(answered.spanID != Self.callerSpan, "by a span of the API's own")
                let jobID = Int64(try #require(invoked["job_id"]?.number))

                let stored = try await api.services.database.queue.store.job(id: jobID)
                #expect(stored.traceparent == answered.traceparent, "the job stores the request's span as its parent")
                let shown = try await api.call(.get, "/api/jobs/\(jobID)", as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))
                #expect(shown["trace_id"]?.string == Self.callerTrace)

                // A worker of its own (on a queue of its own, so no other test's tool jobs are taken) runs the job.
                let queue = "trace-\(UUID().uuidString.prefix(8))"
                try await api.database.query("UPDATE queue_jobs SET queue = \(queue) WHERE id = \(jobID)", logger: api.logger)
                let log = LogLines()
                var configuration = WorkerConfiguration(id: "trace-worker-\(queue)", queues: [queue: 1])
                configuration.pollInterval = .milliseconds(100)
                let store = api.services.database.queue.store
                let worker = Worker(configuration: configuration, store: store,
                                    registry: PlatformJobs.registry(store: store, providers: api.services.configuration.providers),
                                    subscriber: nil, logger: log.logger)
                let running = Task { try await worker.run() }
                defer { worker.stop() }
                var finished = try await store.job(id: jobID)
                let deadline = ContinuousClock.now + .seconds(30)
                while !finished.state.isFinal, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    finished = try await store.job(id: jobID)
                }
                worker.stop()
                try await running.value
                #expect(finished.state == .completed, "\(finished.errorsJSON)")

                // The provider received the trace, from the attempt's span (a child of the request's).
                let result = JSONValue(text: try #require(finished.resultJSON))
                let sent = try #require(result["response"]?["headers"]?["traceparent"]?.string.flatMap(TraceContext.init(traceparent:)))
                #expect(sent.traceID == Self.callerTrace)
                #expect(sent.spanID != answered.spanID)
                // Every line the worker logged about the job carries the trace.
                let lines = log.lines.withLock { $0 }.filter { $0.metadata[LogKey.jobID] == .string("\(jobID)") }
                #expect(!lines.isEmpty)
                #expect(lines.allSatisfy { $0.metadata[LogKey.traceID] == .string(Self.callerTrace) }, "\(lines.map(\.metadata))")
                let attemptSpan = try #require(lines.first?.metadata[LogKey.spanID].map { "\($0)" })

                // Exported over OTLP: the request's server span under the caller's, the attempt's
                // consumer span under it, and the tool request's client span under that, whose id
                // the tool endpoint received as its parent.
                await spans.flush()
                let received = collector.received.filter { $0.traceID == Self.callerTrace }
                let server = try #require(received.first { $0.kind == 2 && $0.name == "POST /api/tools/{tool}/invoke" },
                                          "\(received.map(\.name))")
                #expect(server.spanID == answered.spanID && server.parentSpanID == Self.callerSpan)
                #expect(server.attributes["http.response.status_code"] == "202" && server.service == "trace-test")
                let consumer = try #require(received.first { $0.kind == 5 })
                #expect(consumer.name == "job tools.invoke" && consumer.spanID == attemptSpan && consumer.parentSpanID == server.spanID)
                #expect(consumer.attributes["job.id"] == "\(jobID)" && consumer.attributes["job.outcome"] == "completed")
                let client = try #require(received.first { $0.kind == 3 && $0.name == "outbound tool" })
                #expect(client.parentSpanID == consumer.spanID && client.spanID == sent.spanID)
                #expect(client.attributes["http.response.status_code"] == "200" && client.statusCode == 0)
                #expect(collector.requestContentTypes.allSatisfy { $0 == "application/json" })
            }
        }
        }
    }

    /// Without a `traceparent`, or with a malformed one, the request begins a new trace and says so.
    @Test(arguments: [nil, "00-not-a-trace-01", "00-00000000000000000000000000000000-b7ad6b7169203331-01"])
    func aRequestWithoutAUsableTraceBeginsOne(header: String?) async throws {
        try await APIHarness.with { api in
            var headers = HTTPFields()
            if let header { headers[HTTPField.Name("traceparent")!] = header }
            let reply = try await api.call(.get, "/health/live", headers: headers)
            let trace = try #require(reply.headers[HTTPField.Name("traceparent")!].flatMap(TraceContext.init(traceparent:)))
            #expect(trace.traceID != "00000000000000000000000000000000")
            let error = try await api.call(.get, "/api/no-such-route", headers: headers)
            #expect(error.headers[HTTPField.Name("traceparent")!] != nil, "errors are traced too")
        }
    }
}
