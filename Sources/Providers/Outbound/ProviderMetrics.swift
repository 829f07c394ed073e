import AsyncHTTPClient
import Metrics
import NIOCore
import ServerSupport

/// Requests to providers, counted and timed the same way everywhere: `provider_requests_total`
/// by provider, operation and outcome (the status class, `error` when no answer came), and
/// `provider_request_duration_seconds` until the answer's head arrived (a streamed body — a model's
/// tokens, a voice's audio — is the provider's own pace, not its latency). A failing or slow
/// provider then shows as one series on a dashboard rather than as scattered job errors.
public enum ProviderMetrics {
    public static let requests = "provider_requests_total"
    public static let duration = "provider_request_duration_seconds"

    /// Records one request: `status` nil when it failed without an answer.
    public static func record(provider: String, operation: String, status: Int?, since started: ContinuousClock.Instant) {
        let outcome = status.map { "\($0 / 100)xx" } ?? "error"
        Counter(label: requests, dimensions: [("provider", provider), ("operation", operation), ("outcome", outcome)]).increment()
        Metrics.Timer(label: duration, dimensions: [("provider", provider), ("operation", operation)])
            .recordInterval(since: started)
    }
}

extension Metrics.Timer {
    func recordInterval(since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

/// One provider request being measured: begun before it is sent, finished once with its status (nil
/// when no answer came). Inside a trace it is a client span of its own, whose `traceparent` the
/// request carries.
struct MeasuredRequest {
    let provider: String
    let operation: String
    let span = TraceContext.current?.child()
    private let started = ContinuousClock.now
    private let spanStart = Span.now()

    init(provider: String, operation: String) {
        self.provider = provider
        self.operation = operation
    }

    /// Counts and times the request, and ends its span: an answer of 400 or more, or none, is an error.
    func finish(status: Int?, error: String? = nil) {
        ProviderMetrics.record(provider: provider, operation: operation, status: status, since: started)
        guard let span else { return }
        Span.record(span, name: "\(provider) \(operation)", kind: .client, start: spanStart, attributes: {
            var attributes: [String: Span.Attribute] = ["provider": .string(provider), "operation": .string(operation)]
            if let status { attributes["http.response.status_code"] = .int(status) }
            return attributes
        }(), error: error ?? status.flatMap { $0 >= 400 ? "HTTP \($0)" : nil })
    }
}

extension HTTPClient {
    /// A provider request: counted, timed and, inside a trace, sent as a client span (`MeasuredRequest`).
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount, provider: String,
                 operation: String) async throws -> HTTPClientResponse {
        var request = request
        let measured = MeasuredRequest(provider: provider, operation: operation)
        if let span = measured.span { request.headers.replaceOrAdd(name: "traceparent", value: span.traceparent) }
        do {
            let response = try await execute(request, timeout: timeout)
            measured.finish(status: Int(response.status.code))
            return response
        } catch {
            measured.finish(status: nil, error: String(describing: error))
            throw error
        }
    }
}
