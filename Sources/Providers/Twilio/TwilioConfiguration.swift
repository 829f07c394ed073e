import Foundation
import ServerSupport

/// The Twilio account the platform dials from, and where Twilio reaches the platform back.
public struct TwilioConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.twilio.com"

    public var accountSID: String
    public var authToken: String
    /// The REST API's origin; a test points it at a local stand-in.
    public var baseURL: String
    /// The platform's public origin, as Twilio requests it: callback URLs are built from it and
    /// request signatures are checked against it.
    public var publicBaseURL: String
    public var requestTimeout: Duration
    /// The conversation engine's WebSocket (`wss://…`) that answered calls stream their audio to;
    /// nil: the assistant greets and hangs up.
    public var mediaStreamURL: String?

    public init(accountSID: String, authToken: String, baseURL: String = TwilioConfiguration.defaultBaseURL,
                publicBaseURL: String, requestTimeout: Duration = .seconds(15), mediaStreamURL: String? = nil) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.publicBaseURL = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        self.requestTimeout = requestTimeout
        self.mediaStreamURL = mediaStreamURL
    }

    /// From `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_API_BASE_URL`, `PUBLIC_BASE_URL`,
    /// `TWILIO_TIMEOUT_MS` and `MEDIA_STREAM_URL`; nil when no account is configured (calls are then
    /// refused with a reason).
    public static func from(_ environment: Environment) throws -> TwilioConfiguration? {
        guard let sid = environment["TWILIO_ACCOUNT_SID"], !sid.isEmpty else { return nil }
        guard let token = environment["TWILIO_AUTH_TOKEN"], !token.isEmpty else {
            throw ConfigurationError("TWILIO_AUTH_TOKEN", "is required when TWILIO_ACCOUNT_SID is set")
        }
        let base = environment.string("TWILIO_API_BASE_URL", default: defaultBaseURL)
        let publicBase = environment.string("PUBLIC_BASE_URL", default: "http://127.0.0.1:8080")
        for (name, value) in [("TWILIO_API_BASE_URL", base), ("PUBLIC_BASE_URL", publicBase)] {
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(name, "expected an http(s) URL")
            }
        }
        let stream = environment["MEDIA_STREAM_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let stream {
            guard let url = URL(string: stream), ["ws", "wss"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("MEDIA_STREAM_URL", "expected a ws(s) URL")
            }
        }
        return TwilioConfiguration(accountSID: sid, authToken: token, baseURL: base, publicBaseURL: publicBase,
                                   requestTimeout: try environment.milliseconds("TWILIO_TIMEOUT_MS", default: .seconds(15)),
                                   mediaStreamURL: stream)
    }
}
