import NIOCore
import NIOSSL
@testable import QueueEngine
import Testing

/// Redis's wire format as the engine's client reads it, and which TLS errors count as the settings'
/// fault rather than a connection that merely ended.
@Suite struct RESPDecoderTests {
    static func parse(_ text: String) throws -> (RedisConnection.Reply?, consumed: Int) {
        var buffer = ByteBuffer(string: text)
        let reply = try RESPDecoder.parse(&buffer)
        return (reply, text.utf8.count - buffer.readableBytes)
    }

    @Test func everyReplyTypeIsRead() throws {
        #expect(try Self.parse("+PONG\r\n").0 == .status("PONG"))
        #expect(try Self.parse("-ERR wrong\r\n").0 == .error("ERR wrong"))
        #expect(try Self.parse(":-42\r\n").0 == .integer(-42))
        #expect(try Self.parse("$5\r\nhe\r\no\r\n").0 == .string("he\r\no"), "a bulk string is read by length, CRLF inside and all")
        #expect(try Self.parse("$0\r\n\r\n").0 == .string(""))
        #expect(try Self.parse("$-1\r\n").0 == .null)
        #expect(try Self.parse("*-1\r\n").0 == .null)
        #expect(try Self.parse("*0\r\n").0 == .array([]))
        let message = "*3\r\n$7\r\nmessage\r\n$4\r\nwake\r\n*2\r\n:1\r\n$-1\r\n"
        #expect(try Self.parse(message).0 == .array([.string("message"), .string("wake"), .array([.integer(1), .null])]))
    }

    @Test func aReplyCutAnywhereWaitsForTheRestAndTheNextOneIsLeft() throws {
        let whole = "*2\r\n$9\r\nsubscribe\r\n:2\r\n"
        for cut in 0..<whole.utf8.count {
            #expect(try Self.parse(String(whole.utf8.prefix(cut))!).0 == nil, "cut after \(cut) bytes")
        }
        let (reply, consumed) = try Self.parse(whole + "+OK\r\n")
        #expect(reply == .array([.string("subscribe"), .integer(2)]) && consumed == whole.utf8.count)
    }

    @Test func aMalformedStreamFailsInsteadOfBeingGuessedAt() {
        let nested = String(repeating: "*1\r\n", count: RESPDecoder.maximumDepth + 2) + ":1\r\n"
        for broken in ["?what\r\n", ":12x\r\n", "$3\r\nabcde", "+OK\rX", "$-7\r\n", "$\(RESPDecoder.maximumLength + 1)\r\n", nested] {
            #expect(throws: RESPDecoder.Malformed.self, "\(broken.debugDescription)") { _ = try Self.parse(broken) }
        }
        #expect(throws: Never.self) { _ = try Self.parse(String(repeating: "*1\r\n", count: RESPDecoder.maximumDepth) + ":1\r\n") }
    }

    @Test func onlyARefusalOfTheSettingsCountsAsTheirFault() {
        #expect(TLSRefusal.isSettingsProblem(NIOSSLExtraError.failedToValidateHostname))
        #expect(TLSRefusal.isSettingsProblem(NIOSSLError.failedToLoadCertificate))
        #expect(TLSRefusal.isSettingsProblem(NIOSSLError.handshakeFailed(.sslError([]))))
        #expect(!TLSRefusal.isSettingsProblem(NIOSSLError.handshakeFailed(.sslError([.eofDuringHandshake]))), "cut off mid-handshake")
        #expect(!TLSRefusal.isSettingsProblem(NIOSSLError.uncleanShutdown))
        #expect(!TLSRefusal.isSettingsProblem(ChannelError.connectTimeout(.seconds(1))))
    }
}
