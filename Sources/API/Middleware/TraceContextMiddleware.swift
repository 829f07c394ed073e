import HTTPTypes
import Hummingbird
import ServerSupport

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}

/// Puts every request in a trace: the caller's W3C `traceparent` is continued (a malformed one is
/// ignored, as the specification asks, and a new trace begins), the request gets its own span, and
/// that span is the current `TraceContext` while the request is served. Jobs the request enqueues
/// store it, log lines carry its ids, and the response's `traceparent` names it so the caller can
/// find the request's work by trace id. The request's span is exported when a span sink is installed.
struct TraceContextMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let trace = TraceContext.continuing(request.headers[.traceparent])
        var context = context
        context.logger[metadataKey: "trace.id"] = .string(trace.traceID)
        context.logger[metadataKey: "span.id"] = .string(trace.spanID)
        let start = Span.now()
        do {
            var response = try await TraceContext.$current.withValue(trace) { try await next(request, context) }
            response.headers[.traceparent] = trace.traceparent
            Self.record(trace, request, context, start: start, status: response.status.code)
            return response
        } catch {
            Self.record(trace, request, context, start: start, status: 500)
            throw error
        }
    }

    /// The request's server span, named by its route template (ids never make span names).
    static func record(_ trace: TraceContext, _ request: Request, _ context: Context, start: UInt64, status: Int) {
        let route = context.endpointPath ?? "unknown route"
        Span.record(trace, name: "\(request.method.rawValue) \(route)", kind: .server, start: start, attributes: [
            "http.request.method": .string(request.method.rawValue), "http.route": .string(route),
            "url.path": .string(request.uri.path), "http.response.status_code": .int(status),
        ], error: status >= 500 ? "HTTP \(status)" : nil)
    }
}
