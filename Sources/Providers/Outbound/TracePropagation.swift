import HTTPTypes
import NIOHTTP1
import ServerSupport

/// Every provider request carries the current trace (`TraceContext.current`, the request's or the
/// job's span) as a W3C `traceparent`, so a provider's logs, or a webhook receiver's, can be matched
/// to the work that caused them. Outside a trace nothing is added.
extension HTTPHeaders {
    mutating func addTraceContext() {
        guard let trace = TraceContext.current else { return }
        replaceOrAdd(name: "traceparent", value: trace.traceparent)
    }
}

extension HTTPFields {
    mutating func addTraceContext() {
        guard let trace = TraceContext.current else { return }
        self[HTTPField.Name("traceparent")!] = trace.traceparent
    }
}
