import Foundation
import WebhookSigning

extension WebhookSignature {
    /// A new endpoint secret: `whsec_` and 32 random bytes, URL-safe base64.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64URLEncoded
    }
}
