import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends through an SMTP relay: EHLO, STARTTLS when offered (or required), AUTH PLAIN or LOGIN
/// when credentials are set, then one MAIL/RCPT/DATA transaction per message, reusing connections
/// that are still open from earlier messages (`SMTPSessionPool`). Replies map to
/// `MailError`: 4xx is transient, 5xx to RCPT rejects the address, other 5xx make the relay
/// unavailable for this message; network and TLS failures are transient.
public struct SMTPMailer: MailProvider {
    public let name = "smtp"
    public let configuration: SMTPConfiguration
    private let pool = SMTPSessionPool()

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        for address in [message.from.address, message.to.address] where !Self.isSafeAddress(address) {
            throw .rejected(provider: name, address: address, "not a deliverable address")
        }
        do {
            if let session = pool.take() {
                do {
                    try await deliver(message, on: session)
                    return
                } catch is SMTPSession.Stale {
                    // The relay closed the idle connection; nothing of this message was sent on it.
                }
            }
            let session = try await SMTPSession.open(configuration)
            do {
                try await session.handshake(provider: name)
            } catch {
                session.close()
                throw error
            }
            try await deliver(message, on: session)
        } catch let error as MailError {
            throw error
        } catch {
            throw .transient(provider: name, "\(error)")
        }
    }

    /// One transaction; the session goes back to the pool only when it succeeded.
    private func deliver(_ message: EmailMessage, on session: SMTPSession) async throws {
        do {
            try await session.transaction(message, provider: name)
        } catch {
            session.close()
            throw error
        }
        pool.put(session)
    }

    /// No line breaks, angle brackets or spaces: nothing that could end an SMTP command early.
    public static func isSafeAddress(_ address: String) -> Bool {
        !address.isEmpty && address.contains("@")
            && !address.contains(where: { $0 == "<" || $0 == ">" || $0.isNewline || $0.isWhitespace || $0 == "\u{0}" })
    }
}

/// One connection to the relay. Commands are sent one at a time and each waits for its reply, with
/// the configured timeout (a timed-out connection is closed, which fails the waiting command).
final class SMTPSession: Sendable {
    let channel: any Channel
    let replies: SMTPReplyHandler
    let configuration: SMTPConfiguration

    private init(channel: any Channel, replies: SMTPReplyHandler, configuration: SMTPConfiguration) {
        self.channel = channel
        self.replies = replies
        self.configuration = configuration
    }

    static func open(_ configuration: SMTPConfiguration) async throws -> SMTPSession {
        let replies = SMTPReplyHandler()
        let tls = configuration.security == .tls ? try makeTLSHandler(configuration) : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(configuration.timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(tls) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(replies)
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
        return SMTPSession(channel: channel, replies: replies, configuration: configuration)
    }

    static func makeTLSHandler(_ configuration: SMTPConfiguration) throws -> NIOSSLClientHandler {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        let context = try NIOSSLContext(configuration: tls)
        // SNI takes names only; for an address NIOSSL checks the certificate against the peer's IP.
        let isAddress = (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : configuration.host)
    }

    /// Greeting, EHLO, STARTTLS and AUTH as configured and offered.
    func handshake(provider: String) async throws {
        let greeting = try await command(nil)
        guard greeting.code == 220 else { throw Self.failure(provider, greeting, during: "greeting") }
        var capabilities = try await hello(provider: provider)
        let offersTLS = capabilities.contains("STARTTLS")
        switch configuration.security {
        case .starttls where !offersTLS:
            throw MailError.unavailable(provider: provider, "the relay does not offer STARTTLS (SMTP_SECURITY=starttls)")
        case .starttls, .opportunistic where offersTLS:
            let reply = try await command("STARTTLS")
            guard reply.code == 220 else { throw Self.failure(provider, reply, during: "STARTTLS") }
            let handler = try Self.makeTLSHandler(configuration)
            try await channel.pipeline.addHandler(handler, position: .first).get()
            capabilities = try await hello(provider: provider)
        default:
            break
        }
        if let username = configuration.username {
            try await authenticate(username: username, password: configuration.password ?? "", capabilities: capabilities,
                                   provider: provider)
        }
    }

    /// The capability keywords of the EHLO answer (upper-cased, with their parameters).
    private func hello(provider: String) async throws -> [String] {
        let reply = try await command("EHLO \(configuration.heloName)")
        if reply.code == 250 { return reply.lines.dropFirst().map { $0.uppercased() } }
        let helo = try await command("HELO \(configuration.heloName)")
        guard helo.code == 250 else { throw Self.failure(provider, helo, during: "HELO") }
        return []
    }

    private func authenticate(username: String, password: String, capabilities: [String], provider: String) async throws {
        let mechanisms = capabilities.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }?
            .dropFirst(5).split(separator: " ").map(String.init) ?? []
        let reply: SMTPReply
        if mechanisms.contains("PLAIN") {
            reply = try await command("AUTH PLAIN \(Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString())")
        } else if mechanisms.contains("LOGIN") {
            var step = try await command("AUTH LOGIN")
            guard step.code == 334 else { throw Self.failure(provider, step, during: "AUTH LOGIN") }
            step = try await command(Data(username.utf8).base64EncodedString())
            guard step.code == 334 else { throw Self.failure(provider, step, during: "AUTH LOGIN") }
            reply = try await command(Data(password.utf8).base64EncodedString())
        } else {
            throw MailError.unavailable(provider: provider, "the relay offers no AUTH PLAIN or LOGIN (over this connection)")
        }
        guard reply.code == 235 else { throw Self.failure(provider, reply, during: "AUTH") }
    }

    /// The connection failed before the first command of a transaction was answered: on a reused
    /// session this means the relay dropped it while idle, and the message can go on a new one.
    struct Stale: Error {}

    func transaction(_ message: EmailMessage, provider: String) async throws {
        let mail: SMTPReply
        do {
            mail = try await command("MAIL FROM:<\(message.from.address)>")
        } catch {
            throw Stale()
        }
        // 421: the relay is closing the connection (an idle timeout, a restart).
        if mail.code == 421 { throw Stale() }
        guard mail.code == 250 else { throw Self.failure(provider, mail, during: "MAIL FROM") }
        let rcpt = try await command("RCPT TO:<\(message.to.address)>")
        guard rcpt.code == 250 || rcpt.code == 251 else {
            if rcpt.code >= 500 { throw MailError.rejected(provider: provider, address: message.to.address, rcpt.description) }
            throw Self.failure(provider, rcpt, during: "RCPT TO")
        }
        let data = try await command("DATA")
        guard data.code == 354 else { throw Self.failure(provider, data, during: "DATA") }
        let accepted = try await command(Self.dotStuffed(MIMEMessage.render(message)) + ".")
        guard accepted.code == 250 else { throw Self.failure(provider, accepted, during: "the message body") }
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Sends a line (none: only waits, for the greeting) and waits for the reply.
    func command(_ line: String?) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        let replies = self.replies
        let channel = self.channel
        channel.eventLoop.execute { replies.expectReply(promise) }
        let timeout = channel.eventLoop.scheduleTask(in: configuration.timeAmount) {
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        if let line { channel.writeAndFlush(ByteBuffer(string: line + "\r\n"), promise: nil) }
        return try await promise.futureResult.get()
    }

    /// A body line starting with a dot gets a second one (RFC 5321 §4.5.2); lines end in CRLF.
    static func dotStuffed(_ body: Data) -> String {
        var text = String(decoding: body, as: UTF8.self)
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        return text.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast()
            .map { $0.hasPrefix(".") ? ".\($0)\r\n" : "\($0)\r\n" }.joined()
    }

    static func failure(_ provider: String, _ reply: SMTPReply, during step: String) -> MailError {
        reply.isTransient ? .transient(provider: provider, "\(step): \(reply)") : .unavailable(provider: provider, "\(step): \(reply)")
    }
}
