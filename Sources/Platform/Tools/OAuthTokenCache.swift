import Foundation
import Providers
import ServerSupport

/// OAuth 2.0 client-credentials tokens per token URL, client and scope, kept in this process until
/// a minute before they expire, so a busy tool asks its token endpoint once, not per call.
/// Concurrent calls that miss share one token request.
public actor OAuthTokenCache {
    struct Key: Hashable {
        let tokenURL: String
        let clientID: String
        let scope: String?
        /// A changed secret must not reuse the old secret's token.
        let secretDigest: Int
    }

    struct Entry {
        let token: String
        let expires: ContinuousClock.Instant
    }

    public struct TokenFailure: Error, CustomStringConvertible {
        public let status: Int?
        public let reason: String
        public var description: String { reason }
    }

    private var entries: [Key: Entry] = [:]
    private var pending: [Key: Task<Entry, any Error>] = [:]
    /// Tokens are dropped this long before the expiry the endpoint announced.
    static let margin: Duration = .seconds(60)
    static let maxEntries = 10_000

    public init() {}

    public func token(tokenURL: String, clientID: String, clientSecret: String, scope: String?, http: OutboundHTTP,
                      timeout: Duration) async throws -> String {
        let key = Key(tokenURL: tokenURL, clientID: clientID, scope: scope, secretDigest: clientSecret.hashValue)
        if let entry = entries[key], entry.expires > .now { return entry.token }
        if let task = pending[key] { return try await task.value.token }
        let task = Task { try await Self.fetch(tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret, scope: scope, http: http,
                                               timeout: timeout) }
        pending[key] = task
        defer { pending[key] = nil }
        let entry = try await task.value
        if entries.count >= Self.maxEntries { entries = entries.filter { $0.value.expires > .now } }
        entries[key] = entry
        return entry.token
    }

    /// Forgets a token the tool refused (401), so the next call fetches a fresh one.
    public func invalidate(tokenURL: String, clientID: String, clientSecret: String, scope: String?) {
        entries[Key(tokenURL: tokenURL, clientID: clientID, scope: scope, secretDigest: clientSecret.hashValue)] = nil
    }

    static func fetch(tokenURL: String, clientID: String, clientSecret: String, scope: String?, http: OutboundHTTP,
                      timeout: Duration) async throws -> Entry {
        var form = [("grant_type", "client_credentials")]
        if let scope { form.append(("scope", scope)) }
        let credentials = Data("\(FormURLEncoding.escape(clientID)):\(FormURLEncoding.escape(clientSecret))".utf8).base64EncodedString()
        let request = OutboundHTTP.Request(method: .POST, url: tokenURL, headers: [
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Authorization": "Basic \(credentials)",
        ], body: Data(FormURLEncoding.encode(form).utf8), purpose: "oauth")
        let started = ContinuousClock.now
        let response = try await http.send(request, timeout: timeout, maxBytes: 64 * 1024)
        guard (200..<300).contains(response.status) else {
            throw TokenFailure(status: response.status, reason: "the token endpoint answered \(response.status)")
        }
        let body = JSONValue(text: String(decoding: response.body, as: UTF8.self))
        guard let token = body["access_token"]?.string, !token.isEmpty else {
            throw TokenFailure(status: response.status, reason: "the token endpoint's answer has no access_token")
        }
        // A lifetime that is no number of seconds up to a year (NaN, infinite, negative, huge) is
        // the default hour: the endpoint is the tool owner's, its answer is data.
        let given = body["expires_in"]?.number ?? Double(body["expires_in"]?.string ?? "") ?? 3_600
        let lifetime = given.isFinite && (0...31_536_000).contains(given) ? given : 3_600
        let usable = max(Duration.seconds(lifetime) - margin, .zero)
        return Entry(token: token, expires: started + usable)
    }
}
