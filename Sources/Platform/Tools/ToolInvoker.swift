import Foundation
import Logging
import NIOHTTP1
import Providers
import ServerSupport

/// Calls a tool: checks the arguments against its JSON Schema, fills the URL's placeholders, sends
/// the rest as the query (GET, DELETE) or a JSON body, adds the auth, and maps the answer to what
/// the assistant gets. It never throws: every way a call can go is a `ToolCallRecord`.
public struct ToolInvoker: Sendable {
    public let http: OutboundHTTP
    public let sealer: SecretSealer?
    public let tokens: OAuthTokenCache

    public init(http: OutboundHTTP, sealer: SecretSealer?, tokens: OAuthTokenCache = OAuthTokenCache()) {
        self.http = http
        self.sealer = sealer
        self.tokens = tokens
    }

    public func invoke(_ tool: Tool, arguments: JSONValue, logger: Logger) async -> ToolCallRecord {
        let schema: JSONSchema
        do {
            schema = try JSONSchema(tool.parameters)
        } catch {
            return ToolCallRecord(outcome: .invalidArguments, error: "the tool's parameter schema is invalid: \(error)")
        }
        let violations = schema.validate(arguments)
        guard violations.isEmpty else {
            var record = ToolCallRecord(outcome: .invalidArguments, error: "the arguments do not match the tool's parameters")
            record.violations = violations
            return record
        }
        guard case .object(var values) = arguments else {
            return ToolCallRecord(outcome: .invalidArguments, error: "the arguments must be a JSON object")
        }

        var url = tool.url
        for name in Tool.placeholders(in: tool.url) {
            let value = values.removeValue(forKey: name).map(Self.queryText) ?? ""
            url = url.replacingOccurrences(of: "{\(name)}", with: Self.escapePathSegment(value))
        }
        var headers: HTTPHeaders = ["Accept": "application/json"]
        var body: Data?
        switch tool.method {
        case .GET, .DELETE:
            url = Self.appendQuery(values, to: url)
        case .POST, .PUT, .PATCH:
            headers.add(name: "Content-Type", value: "application/json")
            body = Data(JSONValue.object(values).text.utf8)
        }

        let started = ContinuousClock.now
        let auth: ToolAuth
        do {
            auth = try tool.auth(sealer: sealer)
        } catch {
            return ToolCallRecord(outcome: .authError, error: "\(error)")
        }
        switch auth {
        case .none: break
        case .apiKey(let header, let key): headers.replaceOrAdd(name: header, value: key)
        case .bearer(let token): headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        case .basic(let username, let password):
            headers.replaceOrAdd(name: "Authorization", value: "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())")
        case .oauth2(let tokenURL, let clientID, let secret, let scope):
            do {
                let token = try await tokens.token(tokenURL: tokenURL, clientID: clientID, clientSecret: secret, scope: scope, http: http,
                                                   timeout: tool.timeout)
                headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
            } catch let failure as OAuthTokenCache.TokenFailure {
                return ToolCallRecord(outcome: .authError, status: failure.status, latencyMS: Self.milliseconds(since: started),
                                      error: "OAuth: \(failure.reason)")
            } catch let failure as OutboundHTTP.Failure {
                return Self.record(failure, started: started, prefix: "OAuth token endpoint: ")
            } catch {
                return ToolCallRecord(outcome: .authError, error: "OAuth: \(error)")
            }
        }

        let response: OutboundHTTP.Response
        do {
            response = try await http.send(OutboundHTTP.Request(method: HTTPMethod(rawValue: tool.method.rawValue), url: url,
                                                                headers: headers, body: body,
                                                                credentialHeaders: auth.credentialHeader.map { [$0] } ?? [], purpose: "tool"),
                                           timeout: tool.timeout, maxBytes: tool.responseMaxBytes)
        } catch {
            return Self.record(error, started: started, prefix: "")
        }
        if response.status == 401, case .oauth2(let tokenURL, let clientID, let secret, let scope) = auth {
            await tokens.invalidate(tokenURL: tokenURL, clientID: clientID, clientSecret: secret, scope: scope)
        }
        var record = ToolCallRecord(outcome: (200..<300).contains(response.status) ? .ok : .httpError, status: response.status,
                                    latencyMS: Self.milliseconds(since: started), bytes: response.body.count)
        record.truncated = response.truncated
        record.response = ResponseMapping.map(response.body, truncated: response.truncated,
                                              contentType: response.headers.first(name: "Content-Type"), fields: tool.responseFields)
        if record.outcome != .ok { record.error = "the tool answered \(response.status)" }
        logger.debug("tool called", metadata: ["tool.id": "\(tool.id)", "status": "\(response.status)", "latency_ms": "\(record.latencyMS ?? 0)"])
        return record
    }

    static func record(_ failure: OutboundHTTP.Failure, started: ContinuousClock.Instant, prefix: String) -> ToolCallRecord {
        let outcome: ToolCallRecord.Outcome = switch failure {
        case .refused, .tooManyRedirects: .refused
        case .timedOut: .timeout
        case .network: .networkError
        }
        return ToolCallRecord(outcome: outcome, latencyMS: milliseconds(since: started), error: prefix + failure.description)
    }

    public static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        (ContinuousClock.now - start).milliseconds
    }

    /// A scalar as query or path text; arrays and objects as compact JSON.
    static func queryText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .null: ""
        default: value.text
        }
    }

    static func escapePathSegment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#[]@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Appends the arguments as query items (arrays repeat their name), keeping any query the URL has.
    static func appendQuery(_ values: [String: JSONValue], to url: String) -> String {
        guard !values.isEmpty else { return url }
        var pairs: [(String, String)] = []
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            if case .array(let items) = value {
                pairs += items.map { (name, queryText($0)) }
            } else {
                pairs.append((name, queryText(value)))
            }
        }
        let query = FormURLEncoding.encode(pairs)
        let fragmentStart = url.firstIndex(of: "#") ?? url.endIndex
        let base = url[..<fragmentStart]
        return base + (base.contains("?") ? "&" : "?") + query + url[fragmentStart...]
    }
}
