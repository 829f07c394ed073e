import Foundation
import Platform
import Providers
import ServerSupport

/// Checks a tool body and applies it to a tool: every field named is validated with a 422 that
/// names it (schema problems name their path inside `parameters`), fields not named keep their value.
extension ToolRoutes {
    func apply(_ body: Body, to current: Tool) throws -> Tool {
        var tool = current
        let policy = providers.tools.http.policy
        if let name = body.name {
            guard name.range(of: #"^[A-Za-z][A-Za-z0-9_-]{0,63}$"#, options: .regularExpression) != nil else {
                throw APIError.validation(field: "name", "must start with a letter and hold up to 64 letters, digits, _ or - (a function name)")
            }
            tool.name = name
        }
        if let description = body.description {
            tool.description = try Validation.text(description, field: "description", maxLength: 2_000, allowEmpty: true)
        }
        if let category = body.category {
            guard let value = Tool.Category(rawValue: category) else {
                throw APIError.validation(field: "category", "must be one of \(Tool.Category.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tool.category = value
        }
        if let method = body.method {
            guard let value = Tool.Method(rawValue: method.uppercased()) else {
                throw APIError.validation(field: "method", "must be one of \(Tool.Method.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tool.method = value
        }
        if let url = body.url { tool.url = try Self.checkURL(url, field: "url", policy: policy, placeholders: true) }
        if let parameters = body.parameters {
            guard parameters.text.utf8.count <= Self.maxSchemaBytes else {
                throw APIError.validation(field: "parameters", "the schema may be at most \(Self.maxSchemaBytes / 1024) KiB")
            }
            do {
                _ = try JSONSchema(parameters)
            } catch {
                throw APIError(.unprocessableContent, .validationFailed, "parameters\(error.path): \(error.problem)",
                               details: ["field": "parameters", "path": error.path.isEmpty ? "/" : error.path, "problem": error.problem])
            }
            guard parameters["type"]?.string == "object" else {
                throw APIError.validation(field: "parameters", "must be a schema of \"type\": \"object\" (the arguments are named)")
            }
            tool.parameters = parameters
        }
        // Every placeholder of the URL is a required parameter, so a call never leaves one unfilled.
        let required = Set(tool.parameters["required"]?.array?.compactMap(\.string) ?? [])
        for name in Tool.placeholders(in: tool.url) where !required.contains(name) || tool.parameters["properties"]?[name] == nil {
            throw APIError.validation(field: "url", "the placeholder {\(name)} must be a required property of parameters")
        }
        if let timeout = body.timeoutMS {
            guard (100...60_000).contains(timeout) else { throw APIError.validation(field: "timeout_ms", "must be from 100 to 60000") }
            tool.timeout = .milliseconds(timeout)
        }
        if let response = body.response {
            guard case .object(let settings) = response, Set(settings.keys).isSubset(of: ["fields", "max_bytes"]) else {
                throw APIError.validation(field: "response", "must be an object with fields and max_bytes")
            }
            if let fields = settings["fields"] {
                guard let list = fields.array?.compactMap(\.string), list.count == fields.array?.count, list.count <= Self.maxResponseFields,
                      list.allSatisfy(ResponseMapping.isValidPath) else {
                    throw APIError.validation(field: "response.fields",
                                              "must be up to \(Self.maxResponseFields) dotted paths such as data.items.0.name")
                }
                tool.responseFields = list
            }
            if let maxBytes = settings["max_bytes"] {
                guard let value = maxBytes.number, value.rounded() == value, (256...1_048_576).contains(value) else {
                    throw APIError.validation(field: "response.max_bytes", "must be an integer from 256 to 1048576")
                }
                tool.responseMaxBytes = Int(value)
            }
        }
        if let enabled = body.enabled { tool.enabled = enabled }
        let moved = Self.origin(tool.url) != Self.origin(current.url)
        if let auth = body.auth {
            try applyAuth(auth, to: &tool, policy: policy, destinationMoved: moved)
        } else if moved, current.authType != "none" {
            throw APIError.validation(field: "auth", "the tool's credentials were stored for \(Self.origin(current.url)); "
                + "to send requests to \(Self.origin(tool.url)) give the credentials again (or auth type none) in the same request")
        }
        return tool
    }

    /// Where a URL's requests go: its scheme and authority, lowercased (`https://api.example.com:8443`).
    static func origin(_ url: String) -> String {
        guard let separator = url.range(of: "://") else { return url.lowercased() }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return (url[..<separator.upperBound] + authority).lowercased()
    }

    /// `{"type": "none" | "api_key" | "bearer" | "basic" | "oauth2", …}`. The secret (`key`, `token`,
    /// `password`, `client_secret`) may be left out when the type stays the same and the secret would
    /// still go where it went (same tool origin, same OAuth token URL origin): the stored one is kept.
    /// A stored secret never follows a tool to another host unless it is given again.
    private func applyAuth(_ auth: JSONValue, to tool: inout Tool, policy: OutboundPolicy, destinationMoved: Bool) throws {
        guard case .object(let fields) = auth, let type = fields["type"]?.string else {
            throw APIError.validation(field: "auth.type", "is required: none, api_key, bearer, basic or oauth2")
        }
        let allowed: [String: Set<String>] = [
            "none": [], "api_key": ["header", "key"], "bearer": ["token"], "basic": ["username", "password"],
            "oauth2": ["token_url", "client_id", "client_secret", "scope"],
        ]
        guard let keys = allowed[type] else { throw APIError.validation(field: "auth.type", "must be none, api_key, bearer, basic or oauth2") }
        for key in fields.keys where key != "type" && !keys.contains(key) {
            throw APIError.validation(field: "auth.\(key)", "is not a setting of \(type) auth")
        }
        func text(_ key: String, maxLength: Int = 4_096) throws -> String? {
            guard let value = fields[key] else { return nil }
            guard let string = value.string else { throw APIError.validation(field: "auth.\(key)", "must be a string") }
            return try Validation.text(string, field: "auth.\(key)", maxLength: maxLength)
        }
        let secretKey = ["api_key": "key", "bearer": "token", "basic": "password", "oauth2": "client_secret"][type]
        var secret = try secretKey.flatMap { try text($0) }
        let givenTokenURL = type == "oauth2" ? try text("token_url", maxLength: 2_048) : nil
        let tokenURLMoved = givenTokenURL.map { Self.origin($0) != Self.origin(tool.authSettings["token_url"] ?? "") } ?? false
        if secret == nil, secretKey != nil, type == tool.authType, tool.authSecretSealed != nil, !destinationMoved, !tokenURLMoved {
            secret = try? tool.auth(sealer: sealer).secret
        }
        if let secretKey, secret == nil {
            throw APIError.validation(field: "auth.\(secretKey)", destinationMoved || tokenURLMoved
                ? "is required again: the stored one does not follow the tool to another host"
                : "is required for \(type) auth")
        }
        let value: ToolAuth
        switch type {
        case "api_key":
            let header = try text("header", maxLength: 100) ?? "X-API-Key"
            guard header.range(of: #"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"#, options: .regularExpression) != nil,
                  !["host", "content-length", "transfer-encoding", "connection"].contains(header.lowercased()) else {
                throw APIError.validation(field: "auth.header", "must be a header name (not Host, Content-Length, Transfer-Encoding or Connection)")
            }
            value = .apiKey(header: header, key: secret!)
        case "bearer":
            value = .bearer(token: secret!)
        case "basic":
            guard let username = try text("username", maxLength: 200) ?? (tool.authType == "basic" ? tool.authSettings["username"] : nil),
                  !username.contains(":") else {
                throw APIError.validation(field: "auth.username", "is required for basic auth and may not contain a colon")
            }
            value = .basic(username: username, password: secret!)
        case "oauth2":
            let current = tool.authType == "oauth2" ? tool.authSettings : [:]
            guard let tokenURL = try text("token_url", maxLength: 2_048) ?? current["token_url"] else {
                throw APIError.validation(field: "auth.token_url", "is required for oauth2 auth")
            }
            guard let clientID = try text("client_id", maxLength: 500) ?? current["client_id"] else {
                throw APIError.validation(field: "auth.client_id", "is required for oauth2 auth")
            }
            value = .oauth2(tokenURL: try Self.checkURL(tokenURL, field: "auth.token_url", policy: policy, placeholders: false), clientID: clientID,
                            clientSecret: secret!, scope: try text("scope", maxLength: 1_000) ?? current["scope"])
        default:
            value = .none
        }
        do {
            try tool.setAuth(value, sealer: sealer)
        } catch {
            throw APIError(.serviceUnavailable, .unavailable, "credentials cannot be stored: \(error)")
        }
    }

    /// An http(s) URL the outbound policy does not refuse by its form; placeholders (`{name}`) may
    /// stand in the path and query, never in the scheme or host.
    static func checkURL(_ url: String, field: String, policy: OutboundPolicy, placeholders: Bool) throws -> String {
        let probe = placeholders ? url.replacingOccurrences(of: #"\{[A-Za-z_][A-Za-z0-9_]{0,63}\}"#, with: "p", options: .regularExpression) : url
        do {
            _ = try policy.checkForm(probe)
        } catch {
            throw APIError.validation(field: field, error.reason)
        }
        if placeholders, let scheme = url.range(of: "://"),
           url[scheme.upperBound...].prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" }).contains("{") {
            throw APIError.validation(field: field, "placeholders may stand in the path and query, not in the host")
        }
        return url
    }
}
