import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers requests with a method no route uses (CONNECT, TRACE, WebDAV's, …) with 405 and closes
/// the connection, before the router sees them. A channel handler rather than a middleware because
/// a CONNECT stops the HTTP decoder (whatever follows is a tunnel), so the connection could serve
/// nothing else and would otherwise wait for the idle timeout.
final class MethodGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let allowed: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete]
    static let allowHeader = allowed.map(\.rawValue).sorted().joined(separator: ", ")
    static let body = #"{"error":{"code":"method_not_allowed","message":"this API answers only \#(allowHeader)"}}"#

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        guard case .head(let head) = unwrapInboundIn(data), !Self.allowed.contains(head.method) else {
            context.fireChannelRead(data)
            return
        }
        refused = true
        var buffer = context.channel.allocator.buffer(capacity: Self.body.utf8.count)
        buffer.writeString(Self.body)
        let fields: HTTPFields = [
            .allow: Self.allowHeader, .contentType: "application/json; charset=utf-8",
            .contentLength: String(buffer.readableBytes), .connection: "close",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .methodNotAllowed, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }
}
