/// A W3C Trace Context position (`traceparent`): the trace one piece of work belongs to across the
/// API, the jobs it enqueues, the worker that runs them and the providers they call, and the span
/// (this process's part of it) that the next hop names as its parent.
///
/// The current one follows the task (`TraceContext.current`), so whatever runs inside a request or a
/// job — an enqueue, an outbound request, a log line — finds it without being handed it.
public struct TraceContext: Sendable, Equatable, CustomStringConvertible {
    /// 32 lower-case hex digits, never all zero.
    public let traceID: String
    /// 16 lower-case hex digits, never all zero: this span.
    public let spanID: String
    /// The span this one continues (the caller's or the enqueuing request's), when there is one.
    public let parentSpanID: String?
    /// Whether the trace is sampled (flag bit 0), kept from the caller.
    public let sampled: Bool

    @TaskLocal public static var current: TraceContext?

    /// A new trace whose first span is this one.
    public static func root(sampled: Bool = true) -> TraceContext {
        TraceContext(traceID: hex(nonZero: 2), spanID: hex(nonZero: 1), parentSpanID: nil, sampled: sampled)
    }

    /// A span of the same trace whose parent is this span.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.hex(nonZero: 1), parentSpanID: spanID, sampled: sampled)
    }

    /// The span that continues `traceparent` (as received or as stored on a job), or a new trace when
    /// it is absent or malformed.
    public static func continuing(_ traceparent: String?) -> TraceContext {
        traceparent.flatMap(TraceContext.init(traceparent:))?.child() ?? root()
    }

    /// Parses a `traceparent` header value (version 00; a higher version is read by its first four
    /// fields, as the specification asks). Nil when it is malformed, uses version ff, or an id is all zero.
    public init?(traceparent: String) {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, let version = fields.first, version.count == 2, Self.isHex(version), version != "ff",
              version != "00" || fields.count == 4 else { return nil }
        let traceID = fields[1], spanID = fields[2], flags = fields[3]
        guard traceID.count == 32, Self.isHex(traceID), traceID.contains(where: { $0 != "0" }),
              spanID.count == 16, Self.isHex(spanID), spanID.contains(where: { $0 != "0" }),
              flags.count == 2, Self.isHex(flags), let flagBits = UInt8(flags, radix: 16) else { return nil }
        self.init(traceID: String(traceID), spanID: String(spanID), parentSpanID: nil, sampled: flagBits & 1 == 1)
    }

    init(traceID: String, spanID: String, parentSpanID: String?, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.sampled = sampled
    }

    /// The header value that makes this span the parent of the next hop.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    public var description: String { traceparent }

    /// Lower-case hex only: the specification refuses upper case.
    private static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `words` random 64-bit words as hex, drawn again in the (2^-64) case that all are zero.
    /// Written digit by digit from one draw: every request and job attempt makes one or two of these.
    private static func hex(nonZero words: Int) -> String {
        var values = [UInt64](repeating: 0, count: words)
        repeat { values.withUnsafeMutableBytes(RandomBytes.fill) } while !values.contains(where: { $0 != 0 })
        return String(unsafeUninitializedCapacity: 16 * words) { text in
            for (word, value) in values.enumerated() {
                for nibble in 0..<16 { text[word * 16 + nibble] = hexDigits[Int((value >> (60 - 4 * nibble)) & 0xF)] }
            }
            return 16 * words
        }
    }
}
