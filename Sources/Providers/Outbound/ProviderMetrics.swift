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

extension HTTPClient {
    /// A provider request: counted and timed under `provider` and `operation`, and, inside a trace, a
    /// client span whose `traceparent` the request carries.
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount, provider: String,
                 operation: String) async throws -> HTTPClientResponse {
        var request = request
        let span = TraceContext.current?.child()
        if let span { request.headers.replaceOrAdd(name: "traceparent", value: span.traceparent) }
        let started = ContinuousClock.now
        let startedAt = Span.now()
        do {
            let response = try await execute(request, timeout: timeout)
            let status = Int(response.status.code)
            ProviderMetrics.record(provider: provider, operation: operation, status: status, since: started)
            if let span {
                ProviderMetrics.span(span, provider: provider, operation: operation, start: startedAt, status: status, error: nil)
            }
            return response
        } catch {
            ProviderMetrics.record(provider: provider, operation: operation, status: nil, since: started)
            if let span {
                ProviderMetrics.span(span, provider: provider, operation: operation, start: startedAt, status: nil,
                                     error: String(describing: error))
            }
            throw error
        }
    }
}

extension ProviderMetrics {
    /// The client span of one provider request: an answer of 400 or more, or none, is an error.
    static func span(_ context: TraceContext, provider: String, operation: String, start: UInt64, status: Int?, error: String?) {
        var attributes: [String: Span.Attribute] = ["provider": .string(provider), "operation": .string(operation)]
        if let status { attributes["http.response.status_code"] = .int(status) }
        Span.record(context, name: "\(provider) \(operation)", kind: .client, start: start, attributes: attributes,
                    error: error ?? status.flatMap { $0 >= 400 ? "HTTP \($0)" : nil })
    }
}
