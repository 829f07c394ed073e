import Foundation
import ServerSupport

/// A workspace's custom tool: an HTTP endpoint its assistants may call with arguments checked
/// against `parameters` (a JSON Schema), under its auth, within `timeout`, answering with the
/// `responseFields` of its JSON (or all of it) up to `responseMaxBytes`. The auth's secret stays
/// sealed in this value; `auth(sealer:)` opens it where the tool is called.
public struct Tool: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable { case api, webhook, database, service }
    public enum Method: String, Sendable, CaseIterable { case GET, POST, PUT, PATCH, DELETE }

    public let id: UUID
    public let workspaceID: UUID
    public var name: String
    public var description: String
    public var category: Category
    public var method: Method
    /// May hold `{name}` placeholders in its path and query, filled from the arguments.
    public var url: String
    public var parameters: JSONValue
    public var authType: String
    /// The auth's settings that are not secret (header name, user name, token URL, client id, scope).
    public var authSettings: [String: String]
    public var authSecretSealed: String?
    public var timeout: Duration
    public var responseFields: [String]
    public var responseMaxBytes: Int
    public var enabled: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, workspaceID: UUID, name: String, description: String, category: Category, method: Method, url: String,
                parameters: JSONValue, authType: String, authSettings: [String: String], authSecretSealed: String?, timeout: Duration,
                responseFields: [String], responseMaxBytes: Int, enabled: Bool,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.description = description
        self.category = category
        self.method = method
        self.url = url
        self.parameters = parameters
        self.authType = authType
        self.authSettings = authSettings
        self.authSecretSealed = authSecretSealed
        self.timeout = timeout
        self.responseFields = responseFields
        self.responseMaxBytes = responseMaxBytes
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Keeps `auth`: its type and settings readable, its secret sealed.
    public mutating func setAuth(_ auth: ToolAuth, sealer: SecretSealer?) throws {
        authType = auth.type
        authSettings = auth.settings
        if let secret = auth.secret {
            guard let sealer else { throw SecretSealer.Missing() }
            authSecretSealed = try sealer.seal(secret: secret)
        } else {
            authSecretSealed = nil
        }
    }

    /// The auth with its secret opened.
    public func auth(sealer: SecretSealer?) throws -> ToolAuth {
        var secret: String?
        if let sealed = authSecretSealed {
            guard let sealer else { throw SecretSealer.Missing() }
            secret = try sealer.openSecret(sealed)
        }
        guard let auth = ToolAuth(type: authType, settings: authSettings, secret: secret) else { throw UnreadableAuth(type: authType) }
        return auth
    }

    struct UnreadableAuth: Error, CustomStringConvertible {
        let type: String
        var description: String { "the tool's \(type) auth is incomplete" }
    }

    /// The `{name}` placeholders of the URL template, in order.
    public static func placeholders(in url: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: #"\{([A-Za-z_][A-Za-z0-9_]{0,63})\}"#) else { return [] }
        return regex.matches(in: url, range: NSRange(url.startIndex..., in: url)).compactMap {
            Range($0.range(at: 1), in: url).map { String(url[$0]) }
        }
    }
}

/// How a tool authenticates. The secret part (key, token, password, client secret) is kept sealed
/// in the row and opened only by the process that calls the tool.
public enum ToolAuth: Sendable, Equatable {
    case none
    /// A key sent in a header of the tool owner's choosing (`X-API-Key` by default).
    case apiKey(header: String, key: String)
    case bearer(token: String)
    case basic(username: String, password: String)
    /// OAuth 2.0 client credentials: a token from `tokenURL`, cached until shortly before it expires.
    case oauth2(tokenURL: String, clientID: String, clientSecret: String, scope: String?)

    public var type: String {
        switch self {
        case .none: "none"
        case .apiKey: "api_key"
        case .bearer: "bearer"
        case .basic: "basic"
        case .oauth2: "oauth2"
        }
    }

    /// The header carrying the secret when it is not `Authorization`.
    public var credentialHeader: String? {
        if case .apiKey(let header, _) = self { return header }
        return nil
    }

    /// What may be shown (never the secret).
    public var settings: [String: String] {
        switch self {
        case .none, .bearer: [:]
        case .apiKey(let header, _): ["header": header]
        case .basic(let username, _): ["username": username]
        case .oauth2(let tokenURL, let clientID, _, let scope):
            ["token_url": tokenURL, "client_id": clientID].merging(scope.map { ["scope": $0] } ?? [:]) { a, _ in a }
        }
    }

    public var secret: String? {
        switch self {
        case .none: nil
        case .apiKey(_, let key): key
        case .bearer(let token): token
        case .basic(_, let password): password
        case .oauth2(_, _, let secret, _): secret
        }
    }

    /// Rebuilds the auth from a row's type, settings and opened secret.
    public init?(type: String, settings: [String: String], secret: String?) {
        switch type {
        case "none": self = .none
        case "api_key":
            guard let secret else { return nil }
            self = .apiKey(header: settings["header"] ?? "X-API-Key", key: secret)
        case "bearer":
            guard let secret else { return nil }
            self = .bearer(token: secret)
        case "basic":
            guard let secret, let username = settings["username"] else { return nil }
            self = .basic(username: username, password: secret)
        case "oauth2":
            guard let secret, let tokenURL = settings["token_url"], let clientID = settings["client_id"] else { return nil }
            self = .oauth2(tokenURL: tokenURL, clientID: clientID, clientSecret: secret, scope: settings["scope"])
        default:
            return nil
        }
    }
}
