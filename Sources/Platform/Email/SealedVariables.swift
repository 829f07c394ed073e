import Crypto
import Foundation
import ServerSupport

/// Seals template variables that are secrets (reset and invite links carry single-use tokens) so
/// they do not sit readable in the jobs table: AES-GCM under a key derived from `SECRETS_KEY`,
/// which the API (sealing) and the worker (opening) share.
public struct SecretSealer: Sendable {
    public static let minimumSecretBytes = 32
    private let key: SymmetricKey

    public init(secret: String) throws {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw ConfigurationError("SECRETS_KEY", "must be at least \(Self.minimumSecretBytes) bytes long")
        }
        key = SymmetricKey(data: SHA256.hash(data: Data("voicepartner sealed variables\u{0}\(secret)".utf8)))
    }

    /// From `SECRETS_KEY`; nil when unset (emails with secrets then cannot be sent).
    public static func from(_ environment: Environment) throws -> SecretSealer? {
        guard let secret = environment["SECRETS_KEY"], !secret.isEmpty else { return nil }
        return try SecretSealer(secret: secret)
    }

    public func seal(_ variables: [String: TemplateValue]) throws -> String {
        try sealData(variables).base64EncodedString()
    }

    public func open(_ sealed: String) throws -> [String: TemplateValue] {
        guard let data = Data(base64Encoded: sealed) else { throw SealError() }
        return try open(data: data)
    }

    /// One secret string (a tool's credential, a webhook endpoint's signing secret), sealed.
    public func seal(secret: String) throws -> String {
        try seal(["secret": .string(secret)])
    }

    /// The string `seal(secret:)` sealed.
    public func openSecret(_ sealed: String) throws -> String {
        guard case .string(let secret)? = try open(sealed)["secret"] else { throw SealError() }
        return secret
    }

    private func sealData(_ variables: [String: TemplateValue]) throws -> Data {
        let sealed = try AES.GCM.seal(JSONEncoder().encode(variables), using: key)
        guard let combined = sealed.combined else { throw SealError() }
        return combined
    }

    private func open(data: Data) throws -> [String: TemplateValue] {
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)
        return try JSONDecoder().decode([String: TemplateValue].self, from: plain)
    }

    /// A URL-safe token carrying `fields` (an unsubscribe link's workspace and address): sealed,
    /// so it can be neither read nor forged without the key.
    public func token(_ fields: [String: String]) throws -> String {
        try sealData(fields.mapValues { .string($0) }).base64URLEncoded
    }

    public func openToken(_ token: String) throws -> [String: String] {
        guard let data = Data(base64URLEncoded: token) else { throw SealError() }
        return try open(data: data).compactMapValues { if case .string(let value) = $0 { value } else { nil } }
    }

    /// `SECRETS_KEY` is not set in this process: secrets (tool credentials, webhook signing
    /// secrets) can be neither sealed nor opened.
    public struct Missing: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "SECRETS_KEY is not set: stored secrets can be neither sealed nor opened" }
    }

    struct SealError: Error, CustomStringConvertible {
        var description: String { "sealed variables are malformed" }
    }
}
