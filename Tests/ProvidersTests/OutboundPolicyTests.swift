import Foundation
import Providers
import ServerSupport
import Testing

/// The outbound URL policy that guards tools and webhooks: every address class that must stay
/// unreachable, in the spellings attackers use, is refused; public addresses and the allow-list pass.
@Suite struct OutboundPolicyTests {
    @Test func privateLoopbackLinkLocalMulticastAndUnspecifiedAddressesAreRefused() throws {
        let refused = ["127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                       "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.2.10", "198.18.0.1",
                       "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
                       "64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1", "2001:db8::1", "fec0::1"]
        for text in refused {
            let address = try #require(IPAddress(text), "\(text)")
            #expect(address.refusal != nil, "\(text) must be refused")
        }
        for text in ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::6810:84e5", "::ffff:93.184.215.14", "2002:5db8:d70e::"] {
            let address = try #require(IPAddress(text), "\(text)")
            #expect(address.refusal == nil, "\(text) is public")
        }
    }

    @Test func theSpellingsOfLoopbackAreAllRefusedWhenCalled() async throws {
        let policy = OutboundPolicy()
        let urls = ["http://127.0.0.1:9/", "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://169.254.169.254/latest/meta-data/",
                    "http://2130706433:9/", "http://0x7f.1:9/", "http://017700000001:9/", "http://127.1:9/", "http://localhost:9/",
                    "http://LOCALHOST.:9/", "http://0:9/", "http://[0:0:0:0:0:ffff:7f00:1]:9/"]
        for url in urls {
            await #expect(throws: OutboundPolicy.Refusal.self, "\(url)") { _ = try await policy.check(url) }
        }
        for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1/", "http://user:pass@example.com/", "not a url", "http:///path"] {
            #expect(throws: OutboundPolicy.Refusal.self, "\(url)") { _ = try policy.checkForm(url) }
        }
    }

    @Test func theAllowListLetsNamedHostsAndNetworksThrough() async throws {
        let policy = try OutboundPolicy(environment: Environment(["OUTBOUND_ALLOWED_HOSTS": "localhost, 10.1.0.0/16, 127.0.0.2"]))
        #expect(try await policy.check("http://localhost:8080/").host == "localhost")
        #expect(try await policy.check("http://10.1.200.3/").address == IPAddress("10.1.200.3"))
        #expect(try await policy.check("http://127.0.0.2:9/").address == IPAddress("127.0.0.2"))
        await #expect(throws: OutboundPolicy.Refusal.self) { _ = try await policy.check("http://10.2.0.1/") }
        await #expect(throws: OutboundPolicy.Refusal.self) { _ = try await policy.check("http://127.0.0.1:9/") }
        #expect(throws: (any Error).self) { try OutboundPolicy(environment: Environment(["OUTBOUND_ALLOWED_HOSTS": "10.0.0.0/99"])) }
        #expect(throws: (any Error).self) { try OutboundPolicy(environment: Environment(["OUTBOUND_ALLOWED_HOSTS": "http://x"])) }
    }
}
