import Crypto
import Foundation

/// The signature of a webhook delivery: `X-VPAI-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`
/// over `"<t>.<body>"` with the endpoint's secret. The timestamp is inside what is signed, so a
/// receiver that refuses old timestamps (five minutes by default) cannot be fed a replayed delivery.
///
/// A target of its own (Crypto only), so Swift receivers verify with the client library
/// (`VoicePartnerClient` re-exports it) without linking the platform.
public enum WebhookSignature {
    public static let header = "X-VPAI-Signature"
    public static let defaultTolerance: TimeInterval = 300

    public static func sign(_ body: Data, secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(digest(body, secret: secret, timestamp: timestamp))"
    }

    /// True when one `v1` of the header matches and its timestamp is within `tolerance` of `now`.
    public static func verify(_ header: String, body: Data, secret: String, now: Date = Date(),
                              tolerance: TimeInterval = defaultTolerance) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = Array(digest(body, secret: secret, timestamp: timestamp).utf8)
        return signatures.contains { constantTimeEqual(Array($0.utf8), expected) }
    }

    static func digest(_ body: Data, secret: String, timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
