import Foundation
import ServerSupport

/// Amazon SES v2 (or a server speaking its API).
public struct SESConfiguration: Sendable {
    public var endpoint: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Sent as `ConfigurationSetName` when set (event publishing, dedicated IPs).
    public var configurationSet: String?
    public var timeout: Duration

    public init(endpoint: String? = nil, region: String, accessKeyID: String, secretAccessKey: String, configurationSet: String? = nil,
                timeout: Duration = .seconds(30)) {
        let base = endpoint ?? "https://email.\(region).amazonaws.com"
        self.endpoint = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.configurationSet = configurationSet
        self.timeout = timeout
    }

    /// From `SES_REGION` (nil when unset: no SES provider), `SES_ENDPOINT` (AWS's for the region),
    /// `SES_ACCESS_KEY_ID`, `SES_SECRET_ACCESS_KEY`, `SES_CONFIGURATION_SET` and `SES_TIMEOUT_MS`.
    public static func from(_ environment: Environment) throws -> SESConfiguration? {
        guard let region = environment["SES_REGION"], !region.isEmpty else { return nil }
        guard let key = environment["SES_ACCESS_KEY_ID"], !key.isEmpty,
              let secret = environment["SES_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw ConfigurationError("SES_ACCESS_KEY_ID", "SES_REGION is set, so SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY are required")
        }
        let endpoint = environment["SES_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint {
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("SES_ENDPOINT", "expected an http(s) URL")
            }
        }
        return SESConfiguration(endpoint: endpoint, region: region, accessKeyID: key, secretAccessKey: secret,
                                configurationSet: environment["SES_CONFIGURATION_SET"].flatMap { $0.isEmpty ? nil : $0 },
                                timeout: try environment.milliseconds("SES_TIMEOUT_MS", default: .seconds(30)))
    }
}
