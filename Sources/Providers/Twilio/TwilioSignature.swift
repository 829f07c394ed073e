import Crypto
import Foundation

/// Twilio's request signature (`X-Twilio-Signature`): HMAC-SHA1, keyed with the account's auth
/// token, over the full URL Twilio requested followed by each POST parameter's name and value,
/// sorted by name (byte order; repeated names by value), in base64. Webhook routes refuse a request
/// whose signature does not verify.
public enum TwilioSignature {
    public static func signature(authToken: String, url: String, parameters: [(String, String)]) -> String {
        var message = url
        for (name, value) in parameters.sorted(by: {
            ($0.0.utf8.lexicographicallyPrecedes($1.0.utf8)) || ($0.0 == $1.0 && $0.1.utf8.lexicographicallyPrecedes($1.1.utf8))
        }) {
            message += name
            message += value
        }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    /// Compares in constant time, so the comparison leaks nothing about how much of a forgery matched.
    public static func isValid(_ presented: String?, authToken: String, url: String, parameters: [(String, String)]) -> Bool {
        guard let presented, !authToken.isEmpty else { return false }
        let expected = Array(signature(authToken: authToken, url: url, parameters: parameters).utf8)
        let given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
