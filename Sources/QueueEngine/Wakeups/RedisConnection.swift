import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One Redis connection with blocking calls, for threads of their own (the wake-up publisher and
/// subscriber, the rate limiter's pipeline) and probes on a blocking pool; never call it from an
/// event loop or the cooperative pool. The socket and TLS run on NIO's shared event loops; calls
/// wait for the replies the loop leaves in an inbox. `interrupt()` may be called from any thread.
public final class RedisConnection: Sendable {
    public enum Reply: Equatable, Sendable {
        case string(String)
        case status(String)
        case integer(Int64)
        case array([Reply])
        case null
        case error(String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    private let channel: any Channel
    private let inbox: RedisReplyInbox
    private let readTimeout: Duration?
    private let unflushed = Atomic<Bool>(false)

    /// Connects within `connectTimeout` and finishes a TLS handshake within `connectTimeout` more
    /// (at least `minimumHandshakeTime`: it takes a round trip or two); `readTimeout` nil means reads
    /// block until a reply arrives or the connection ends.
    public init(configuration: RedisConfiguration, connectTimeout: Duration, readTimeout: Duration?) throws {
        let endpoint = "\(configuration.host):\(configuration.port)"
        let inbox = RedisReplyInbox()
        let tls = try configuration.tls.map { try NIOSSLContext(configuration: try $0.configuration()) }
        // SNI and the name check take a host name; an address is checked against the certificate's addresses.
        let serverHostname = (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(connectTimeout.seconds * 1_000_000_000)))
            // A peer gone without a reset (a failover, a dropped NAT flow) is found within about
            // 30 s, as hiredis's keepalive did, not after Linux's two-hour default.
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.init(rawValue: TCP_KEEPIDLE)), value: 15)
            .channelOption(.tcpOption(.init(rawValue: TCP_KEEPINTVL)), value: 5)
            .channelOption(.tcpOption(.init(rawValue: TCP_KEEPCNT)), value: 3)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname)) }
                    try pipeline.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try pipeline.addHandler(RedisReplyHandler(inbox: inbox, endpoint: endpoint))
                }
            }
        do {
            channel = try bootstrap.connect(host: configuration.host, port: configuration.port).wait()
        } catch {
            throw Failure(description: "connect to \(endpoint): \(error)")
        }
        self.inbox = inbox
        self.readTimeout = readTimeout
        if tls == nil {
            inbox.markReady()
        } else {
            do {
                try inbox.waitUntilReady(deadline: .now + max(connectTimeout, Self.minimumHandshakeTime))
            } catch {
                channel.close(promise: nil)
                throw error
            }
        }
        if let password = configuration.password {
            if case .error(let message) = try command(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password]) {
                throw Failure(description: "AUTH: \(message)")
            }
        }
    }

    static let minimumHandshakeTime: Duration = .seconds(1)

    deinit { channel.close(promise: nil) }

    /// Sends a command and reads its reply.
    public func command(_ arguments: [String]) throws -> Reply {
        try append(arguments)
        return try readReply()
    }

    /// Queues a command without sending it (pipelining); `readReply` sends what is queued and reads.
    public func append(_ arguments: [String]) throws {
        if let failure = inbox.failed { throw failure }
        var buffer = channel.allocator.buffer(capacity: 64)
        RESPDecoder.encode(arguments, into: &buffer)
        channel.write(buffer, promise: nil)
        unflushed.store(true, ordering: .relaxed)
    }

    /// The next reply, in the order the commands were sent. A timeout ends the connection, as a
    /// late reply would otherwise be taken for the next command's.
    public func readReply() throws -> Reply {
        if unflushed.exchange(false, ordering: .relaxed) { channel.flush() }
        do {
            return try inbox.next(deadline: readTimeout.map { .now + $0 })
        } catch {
            inbox.poison(error as? Failure ?? Failure(description: "\(error)"))
            channel.close(promise: nil)
            throw error
        }
    }

    /// Makes a read blocked on this connection return with an error at once (used to stop a
    /// subscriber), without waiting for the TLS close to finish.
    func interrupt() {
        inbox.poison(Failure(description: "the connection was closed by this process"))
        channel.close(promise: nil)
    }
}
