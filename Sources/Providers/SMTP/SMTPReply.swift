import NIOCore

/// One SMTP reply: a three-digit code and its text lines (a multi-line reply is `250-…` lines
/// ended by a `250 …` line).
struct SMTPReply: Sendable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    var isPositive: Bool { (200..<400).contains(code) }
    var isTransient: Bool { (400..<500).contains(code) }
    var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Frames the byte stream into replies. Lines longer than 4 KiB or without a code end the session.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw SMTPProtocolError("reply line too long") }
            return .needMoreData
        }
        var bytes = buffer.readBytes(length: view.distance(from: view.startIndex, to: newline) + 1) ?? []
        // Bytes, not characters: "\r\n" is one Character in Swift.
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
            throw SMTPProtocolError("not an SMTP reply: \(line.prefix(80))")
        }
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        pending.append(text)
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") { return .continue }
        let reply = SMTPReply(code: code, lines: pending)
        pending = []
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue, buffer.readableBytes > 0 {}
        return .needMoreData
    }
}

struct SMTPProtocolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Hands each reply to the oldest waiting command (a reply nobody waits for yet, like the greeting,
/// is kept for the next one); a closed connection or an error fails them all.
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = SMTPReply
    // Only touched on the channel's event loop.
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var unclaimed: [SMTPReply] = []
    private var failure: (any Error)?

    func expectReply(_ promise: EventLoopPromise<SMTPReply>) {
        if !unclaimed.isEmpty {
            promise.succeed(unclaimed.removeFirst())
        } else if let failure {
            promise.fail(failure)
        } else {
            waiting.append(promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if waiting.isEmpty { unclaimed.append(reply) } else { waiting.removeFirst().succeed(reply) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SMTPProtocolError("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        if failure == nil { failure = error }
        let promises = waiting
        waiting = []
        promises.forEach { $0.fail(error) }
    }
}
