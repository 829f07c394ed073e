import NIOCore

/// Redis's wire format (RESP2): commands out as arrays of bulk strings, replies in as whole values.
/// A reply split across reads waits until it is complete; a malformed one fails the connection.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RedisConnection.Reply

    /// Larger bulk strings or arrays than any reply the engine asks for mean a broken stream.
    static let maximumLength = 64 * 1024 * 1024
    /// Arrays nested deeper than any reply the engine asks for (as hiredis, which stopped at 7).
    static let maximumDepth = 8

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var view = buffer
        guard let reply = try Self.parse(&view) else { return .needMoreData }
        buffer.moveReaderIndex(to: view.readerIndex)
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// One whole value from the front of `buffer`, or nil (with `buffer` partly read) when it has not all arrived.
    static func parse(_ buffer: inout ByteBuffer, depth: Int = 0) throws -> RedisConnection.Reply? {
        guard depth <= maximumDepth else { throw Malformed(description: "arrays nested deeper than \(maximumDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self), let line = try line(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return .status(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw Malformed(description: "integer reply \(line)") }
            return .integer(value)
        case UInt8(ascii: "$"):
            let length = try Self.length(line)
            if length < 0 { return .null }
            guard buffer.readableBytes >= length + 2, let text = buffer.readString(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw Malformed(description: "bulk string not ended by CRLF") }
            return .string(text)
        case UInt8(ascii: "*"):
            let count = try Self.length(line)
            if count < 0 { return .null }
            var items: [RedisConnection.Reply] = []
            items.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let item = try parse(&buffer, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw Malformed(description: "unknown reply type byte \(type)")
        }
    }

    private static func length(_ line: String) throws -> Int {
        guard let value = Int(line), value >= -1, value <= maximumLength else { throw Malformed(description: "length \(line)") }
        return value
    }

    /// The text up to the next CRLF, which is consumed with it.
    private static func line(_ buffer: inout ByteBuffer) throws -> String? {
        let bytes = buffer.readableBytesView
        guard let cr = bytes.firstIndex(of: 0x0D), bytes.index(after: cr) < bytes.endIndex else { return nil }
        guard bytes[bytes.index(after: cr)] == 0x0A else { throw Malformed(description: "CR not followed by LF") }
        let text = buffer.readString(length: cr - bytes.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// `arguments` as a RESP command (an array of bulk strings).
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }
}
