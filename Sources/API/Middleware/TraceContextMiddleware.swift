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
/// find the request's work by trace id.
struct TraceContextMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let trace = TraceContext.continuing(request.headers[.traceparent])
        var context = context
        context.logger[metadataKey: "trace.id"] = .string(trace.traceID)
        context.logger[metadataKey: "span.id"] = .string(trace.spanID)
        var response = try await TraceContext.$current.withValue(trace) { try await next(request, context) }
        response.headers[.traceparent] = trace.traceparent
        return response
    }
}
