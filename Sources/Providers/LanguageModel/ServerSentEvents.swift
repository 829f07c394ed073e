/// Reads a `text/event-stream` body as it arrives (the WHATWG event-stream rules): lines end in LF,
/// CRLF or CR; `:` starts a comment; `data` lines of one event are joined with LF; a blank line
/// dispatches the event; an event cut off by the end of the stream is dropped.
public struct ServerSentEventParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var name: String
        public var data: String

        public init(name: String, data: String) {
            self.name = name
            self.data = data
        }
    }

    public struct TooLarge: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "an event is longer than \(limit) bytes" }
    }

    /// The longest event accepted, so a stream without blank lines cannot grow memory without bound.
    public let maximumEventBytes: Int
    private var line: [UInt8] = []
    private var afterCR = false
    private var name = ""
    private var data = ""
    private var hasData = false
    private var eventBytes = 0

    public init(maximumEventBytes: Int = 1 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// The events the bytes complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCR = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
                eventBytes += 1
                if eventBytes > maximumEventBytes { throw TooLarge(limit: maximumEventBytes) }
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                name = ""
                data = ""
                hasData = false
                eventBytes = 0
            }
            return hasData ? Event(name: name.isEmpty ? "message" : name, data: data) : nil
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var value = colon.map { line[line.index(after: $0)...] } ?? []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        let text = String(decoding: value, as: UTF8.self)
        switch field {
        case "event": name = text
        case "data":
            data += hasData ? "\n" + text : text
            hasData = true
        default: break
        }
        return nil
    }
}
