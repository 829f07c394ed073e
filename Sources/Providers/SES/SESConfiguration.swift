import Foundation
import ServerSupport

/// Amazon SES v2 (or a server speaking its API).
public struct SESConfiguration: Sendable {
    public var endpoint: String
    public var region: String
    public var credentials: AWSCredentialProvider
    /// Sent as `ConfigurationSetName` when set (event publishing, dedicated IPs).
    public var configurationSet: String?
    public var timeout: Duration

    public init(endpoint: String? = nil, region: String, credentials: AWSCredentialProvider, configurationSet: String? = nil,
                timeout: Duration = .seconds(30)) {
        let base = endpoint ?? "https://email.\(region).amazonaws.com"
        self.endpoint = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.region = region
        self.credentials = credentials
        self.configurationSet = configurationSet
        self.timeout = timeout
    }

    public init(endpoint: String? = nil, region: String, accessKeyID: String, secretAccessKey: String, configurationSet: String? = nil,
                timeout: Duration = .seconds(30)) {
        self.init(endpoint: endpoint, region: region, credentials: AWSCredentialProvider(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey),
                  configurationSet: configurationSet, timeout: timeout)
    }

    /// From `SES_REGION` (nil when unset: no SES provider), `SES_ENDPOINT` (AWS's for the region),
    /// `SES_ACCESS_KEY_ID` and `SES_SECRET_ACCESS_KEY` (else the AWS credential chain), `SES_CONFIGURATION_SET`
    /// and `SES_TIMEOUT_MS`.
    public static func from(_ environment: Environment) throws -> SESConfiguration? {
        guard let region = environment["SES_REGION"], !region.isEmpty else { return nil }
        let source = try AWSCredentialChain.source(environment, keys: ("SES_ACCESS_KEY_ID", "SES_SECRET_ACCESS_KEY"))
        let endpoint = environment["SES_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint {
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("SES_ENDPOINT", "expected an http(s) URL")
            }
        }
        return SESConfiguration(endpoint: endpoint, region: region, credentials: AWSCredentialProvider(source),
                                configurationSet: environment["SES_CONFIGURATION_SET"].flatMap { $0.isEmpty ? nil : $0 },
                                timeout: try environment.milliseconds("SES_TIMEOUT_MS", default: .seconds(30)))
    }
}
