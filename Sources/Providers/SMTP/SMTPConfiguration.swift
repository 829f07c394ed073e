import Foundation
import NIOCore
import ServerSupport

/// How the SMTP provider reaches its relay.
public struct SMTPConfiguration: Sendable {
    /// `starttls`: upgrade with STARTTLS and refuse a server that does not offer it; `opportunistic`:
    /// upgrade when offered; `tls`: TLS from the first byte (port 465); `none`: plain text only.
    public enum Security: String, Sendable, CaseIterable {
        case starttls, opportunistic, tls, none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// PEM file of the certificate authorities to trust instead of the system's (a private relay).
    public var caFile: String?
    /// The name this client gives in EHLO.
    public var heloName: String
    /// Per reply: connecting, each command, and the message body.
    public var timeout: Duration

    public init(host: String, port: Int = 587, security: Security = .starttls, username: String? = nil, password: String? = nil,
                caFile: String? = nil, heloName: String = "localhost", timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.heloName = heloName
        self.timeout = timeout
    }

    /// From `SMTP_HOST` (nil when unset: no SMTP provider), `SMTP_PORT` (587), `SMTP_SECURITY`
    /// (starttls), `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_CA_FILE`, `SMTP_HELO_NAME` (localhost) and
    /// `SMTP_TIMEOUT_MS` (30000).
    public static func from(_ environment: Environment) throws -> SMTPConfiguration? {
        guard let host = environment["SMTP_HOST"], !host.isEmpty else { return nil }
        let securityName = environment.string("SMTP_SECURITY", default: Security.starttls.rawValue)
        guard let security = Security(rawValue: securityName) else {
            throw ConfigurationError("SMTP_SECURITY", "expected one of \(Security.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let username = environment["SMTP_USERNAME"].flatMap { $0.isEmpty ? nil : $0 }
        if username != nil && security == .none {
            throw ConfigurationError("SMTP_SECURITY", "none would send SMTP_PASSWORD in the clear; use starttls or tls")
        }
        return SMTPConfiguration(
            host: host, port: try environment.int("SMTP_PORT", default: 587, range: 1...65_535), security: security,
            username: username, password: environment["SMTP_PASSWORD"],
            caFile: environment["SMTP_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 },
            heloName: environment.string("SMTP_HELO_NAME", default: "localhost"),
            timeout: try environment.milliseconds("SMTP_TIMEOUT_MS", default: .seconds(30)))
    }

    var timeAmount: TimeAmount {
        .milliseconds(Int64(timeout.milliseconds))
    }
}
