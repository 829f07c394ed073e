import Foundation

/// API keys look like `vpk_<prefix>_<secret>`: the prefix is stored and shown in key lists so a
/// user can tell keys apart; the whole key is stored only as its digest.
enum APIKeyFormat {
    static let marker = "vpk_"
    static let prefixLength = 8

    struct Generated {
        let key: String
        let prefix: String
        let digest: Data
    }

    static func generate() -> Generated {
        let prefix = String(SecretToken.generate(bytes: 6).prefix(prefixLength))
        let key = "\(marker)\(prefix)_\(SecretToken.generate())"
        return Generated(key: key, prefix: "\(marker)\(prefix)", digest: SecretToken.digest(key))
    }

    /// Whether a presented credential has the shape of an API key (rather than a JWT).
    static func looksLikeKey(_ credential: String) -> Bool {
        credential.hasPrefix(marker)
    }
}
