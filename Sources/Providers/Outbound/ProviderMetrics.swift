import AsyncHTTPClient
import Metrics
import NIOCore

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
    /// A provider request: it carries the current trace (`traceparent`) and is counted and timed
    /// under `provider` and `operation`.
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount, provider: String,
                 operation: String) async throws -> HTTPClientResponse {
        var request = request
        request.headers.addTraceContext()
        let started = ContinuousClock.now
        do {
            let response = try await execute(request, timeout: timeout)
            ProviderMetrics.record(provider: provider, operation: operation, status: Int(response.status.code), since: started)
            return response
        } catch {
            ProviderMetrics.record(provider: provider, operation: operation, status: nil, since: started)
            throw error
        }
    }
}
