import Logging
import ServerSupport
import Testing

/// `traceparent` as W3C Trace Context level 1 defines it: what is continued, what starts a new
/// trace, and what a span hands to the next hop.
@Suite struct TraceContextTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"

    @Test func aWellFormedHeaderIsContinuedAsAChildSpan() throws {
        let parent = try #require(TraceContext(traceparent: "00-\(Self.traceID)-\(Self.spanID)-01"))
        #expect(parent.traceID == Self.traceID && parent.spanID == Self.spanID && parent.sampled)
        let child = TraceContext.continuing("00-\(Self.traceID)-\(Self.spanID)-01")
        #expect(child.traceID == Self.traceID)
        #expect(child.parentSpanID == Self.spanID)
        #expect(child.spanID != Self.spanID && child.spanID.count == 16)
        #expect(child.traceparent == "00-\(Self.traceID)-\(child.spanID)-01")
        #expect(TraceContext.continuing("00-\(Self.traceID)-\(Self.spanID)-00").traceparent.hasSuffix("-00"), "not sampled stays so")
    }

    /// A later version is read by its first four fields; anything malformed is ignored as if absent.
    @Test(arguments: [
        ("01-\(traceID)-\(spanID)-01-what-the-future-adds", true),
        ("00-\(traceID)-\(spanID)-01-extra", false),
        ("ff-\(traceID)-\(spanID)-01", false),
        ("00-\(traceID.uppercased())-\(spanID)-01", false),
        ("00-00000000000000000000000000000000-\(spanID)-01", false),
        ("00-\(traceID)-0000000000000000-01", false),
        ("00-\(traceID)-\(spanID)-1", false),
        ("00-\(traceID.dropLast())-\(spanID)-01", false),
        ("0-\(traceID)-\(spanID)-01", false),
        ("00-\(traceID)-\(spanID)", false),
        ("", false),
        ("00-\(traceID)-\(spanID)-zz", false),
    ])
    func malformedHeadersStartANewTrace(header: String, accepted: Bool) {
        #expect((TraceContext(traceparent: header) != nil) == accepted, "\(header)")
        let continued = TraceContext.continuing(header)
        #expect((continued.traceID == Self.traceID) == accepted)
        #expect((continued.parentSpanID != nil) == accepted)
    }

    @Test func rootsAreFreshWellFormedAndParseBack() throws {
        let first = TraceContext.root(), second = TraceContext.root()
        #expect(first.traceID != second.traceID)
        #expect(first.traceID.count == 32 && first.spanID.count == 16 && first.parentSpanID == nil)
        let parsed = try #require(TraceContext(traceparent: first.traceparent))
        #expect(parsed.traceID == first.traceID && parsed.spanID == first.spanID)
    }

    /// Every line logged inside a trace carries its ids, whichever logger writes it.
    @Test func theCurrentTraceIsInTheLogMetadata() {
        #expect(LogContext.metadataProvider.get()["trace.id"] == nil)
        let trace = TraceContext.root()
        TraceContext.$current.withValue(trace) {
            let metadata = LogContext.metadataProvider.get()
            #expect(metadata["trace.id"] == .string(trace.traceID))
            #expect(metadata["span.id"] == .string(trace.spanID))
        }
    }
}
