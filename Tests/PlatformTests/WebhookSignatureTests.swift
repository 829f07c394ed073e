import Foundation
import Platform
import Testing
import WebhookSigning

/// The delivery signature: HMAC-SHA256 over "<timestamp>.<body>" (checked against a digest
/// computed independently with Python's hmac), refused when tampered, re-timed or too old.
@Suite struct WebhookSignatureTests {
    @Test func theSignatureMatchesAnIndependentDigestAndRefusesTampering() {
        let body = Data(#"{"type":"ping"}"#.utf8)
        let header = WebhookSignature.sign(body, secret: "whsec_test", timestamp: 1_700_000_000)
        #expect(header == "t=1700000000,v1=bc08c591847b765241711bcbe7067e3869a219e424d3fdd9d00b3b6f915baf97")
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        #expect(WebhookSignature.verify(header, body: body, secret: "whsec_test", now: now))
        #expect(!WebhookSignature.verify(header, body: Data(#"{"type":"pong"}"#.utf8), secret: "whsec_test", now: now))
        #expect(!WebhookSignature.verify(header, body: body, secret: "whsec_other", now: now))
        #expect(!WebhookSignature.verify(header.replacingOccurrences(of: "t=1700000000", with: "t=1700000050"), body: body,
                                         secret: "whsec_test", now: now))
        #expect(!WebhookSignature.verify(header, body: body, secret: "whsec_test", now: Date(timeIntervalSince1970: 1_700_000_400)),
                "a replay after five minutes")
        #expect(!WebhookSignature.verify("v1=abc", body: body, secret: "whsec_test", now: now))
        #expect(WebhookSignature.newSecret().hasPrefix("whsec_"))
        #expect(WebhookSignature.newSecret() != WebhookSignature.newSecret())
    }
}
