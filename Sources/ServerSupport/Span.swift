#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A finished span of work — a request served, a job attempt, a provider request — as tracing
/// backends receive it. Spans are only kept when a `SpanSink` is installed (`Span.sink`, set at
/// startup when OTLP export is configured); otherwise ending one costs a nil check.
public struct Span: Sendable {
    public enum Kind: Int, Sendable { case internalWork = 1, server = 2, client = 3, producer = 4, consumer = 5 }
    public enum Attribute: Sendable, Equatable {
        case string(String), int(Int), bool(Bool), double(Double)
    }

    public let context: TraceContext
    public let name: String
    public let kind: Kind
    /// Wall-clock nanoseconds since the Unix epoch.
    public let start: UInt64
    public let end: UInt64
    public let attributes: [String: Attribute]
    /// Set when the work failed: the span's status is then an error with this message.
    public let error: String?

    private static let installed = Mutex<(any SpanSink)?>(nil)

    /// Where finished spans go; nil (the default) keeps none.
    public static var sink: (any SpanSink)? {
        get { installed.withLock { $0 } }
        set { installed.withLock { $0 = newValue } }
    }

    /// Now, in the units of `start` and `end`.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Hands a span that began at `start` and ends now to the sink, if there is one and the trace is
    /// sampled (a caller's `traceparent` with flags 00 asks for none).
    /// The name, attributes and error are built only then: every request, job attempt and provider
    /// request ends here, and without a sink none of them should pay for strings and dictionaries.
    public static func record(_ context: TraceContext, name: @autoclosure () -> String, kind: Kind, start: UInt64,
                              attributes: @autoclosure () -> [String: Attribute] = [:], error: @autoclosure () -> String? = nil) {
        guard context.sampled, let sink else { return }
        sink.export(Span(context: context, name: name(), kind: kind, start: start, end: now(), attributes: attributes(), error: error()))
    }
}

/// Takes finished spans (an exporter buffers and sends them on its own schedule; `export` must not block).
public protocol SpanSink: Sendable {
    func export(_ span: Span)
}
