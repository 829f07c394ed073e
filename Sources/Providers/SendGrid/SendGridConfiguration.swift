import Foundation
import ServerSupport

/// SendGrid's v3 Mail Send API.
public struct SendGridConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.sendgrid.com"
    public var baseURL: String
    public var apiKey: String
    public var timeout: Duration

    public init(baseURL: String = SendGridConfiguration.defaultBaseURL, apiKey: String, timeout: Duration = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.timeout = timeout
    }

    /// From `SENDGRID_API_KEY` (nil when unset: no SendGrid provider), `SENDGRID_BASE_URL` and
    /// `SENDGRID_TIMEOUT_MS`.
    public static func from(_ environment: Environment) throws -> SendGridConfiguration? {
        guard let key = environment["SENDGRID_API_KEY"], !key.isEmpty else { return nil }
        let base = environment.string("SENDGRID_BASE_URL", default: defaultBaseURL)
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError("SENDGRID_BASE_URL", "expected an http(s) URL")
        }
        return SendGridConfiguration(baseURL: base, apiKey: key,
                                     timeout: try environment.milliseconds("SENDGRID_TIMEOUT_MS", default: .seconds(30)))
    }
}
