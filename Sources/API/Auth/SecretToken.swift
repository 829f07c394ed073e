import Crypto
import Foundation
import Platform

/// High-entropy secrets handed to callers once (refresh tokens, API keys, invite tokens) and kept
/// only as SHA-256 digests: with 256 random bits a fast digest is as safe as a slow hash.
enum SecretToken {
    /// 32 random bytes, base64url without padding.
    static func generate(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64URLEncoded
    }

    static func digest(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
