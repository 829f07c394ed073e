import Foundation
import Testing
import VoicePartnerClient

/// A Swift webhook receiver needs only the client library: this file imports nothing else, and
/// checks the vector `WebhookSignatureTests` checks against Python's hmac.
@Suite struct SwiftClientWebhookTests {
    @Test func aReceiverVerifiesADeliveryWithTheClientLibraryAlone() {
        let body = Data(#"{"type":"ping"}"#.utf8)
        let header = "t=1700000000,v1=bc08c591847b765241711bcbe7067e3869a219e424d3fdd9d00b3b6f915baf97"
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        #expect(WebhookSignature.verify(header, body: body, secret: "whsec_test", now: now))
        #expect(!WebhookSignature.verify(header, body: body, secret: "whsec_other", now: now))
        #expect(!WebhookSignature.verify(header, body: body, secret: "whsec_test", now: now.addingTimeInterval(600)))
    }
}
