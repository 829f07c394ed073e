import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of a connection's pipeline: hands replies, the end of the TLS handshake and
/// failures to the inbox.
final class RedisReplyHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = RedisConnection.Reply

    private let inbox: RedisReplyInbox
    private let endpoint: String

    init(inbox: RedisReplyInbox, endpoint: String) {
        self.inbox = inbox
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.deliver(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { inbox.markReady() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: RedisConnection.Failure
        if TLSRefusal.isSettingsProblem(error) {
            failure = .init(description: "TLS with \(endpoint) failed (is the server's certificate signed by the authority "
                                         + "in ssl_ca_certs, or the system's, and does it name this host?): \(error)")
        } else if case NIOSSLError.uncleanShutdown = error {
            failure = .init(description: "the connection to Redis at \(endpoint) closed (without a TLS close_notify)")
        } else {
            failure = .init(description: "Redis at \(endpoint): \(error)")
        }
        inbox.fail(failure)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.fail(.init(description: "the connection to Redis at \(endpoint) closed"))
        context.fireChannelInactive()
    }
}
