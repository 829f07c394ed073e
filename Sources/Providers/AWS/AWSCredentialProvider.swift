import Foundation
import ServerSupport

/// Where a process's AWS credentials come from, chosen once at startup from the environment in the
/// order the AWS SDKs use, and the credentials themselves, fetched on first use and again shortly
/// before temporary ones expire (one fetch at a time, however many requests wait for it).
///
/// 1. The keys a caller names (`S3_ACCESS_KEY_ID`/`S3_SECRET_ACCESS_KEY`, `SES_…`), when set.
/// 2. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
/// 3. A web identity (EKS IRSA): `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, exchanged at STS
///    (`AssumeRoleWithWebIdentity`, `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` to point elsewhere).
/// 4. A shared profile: `AWS_PROFILE` (or `default`) in `AWS_SHARED_CREDENTIALS_FILE`
///    (`~/.aws/credentials`), then in `AWS_CONFIG_FILE` (`~/.aws/config`).
/// 5. The container endpoint (ECS, EKS Pod Identity): `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
///    `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`.
/// 6. The instance metadata service (EC2, IMDSv2), unless `AWS_EC2_METADATA_DISABLED=true`.
public actor AWSCredentialProvider {
    public enum Source: Sendable, Equatable {
        case fixed(AWSCredentials)
        case webIdentity(roleARN: String, tokenFile: String, sessionName: String, stsEndpoint: String)
        case container(url: String, token: String?, tokenFile: String?)
        case instanceMetadata(endpoint: String)

        /// For startup logs and errors; never the secret.
        public var name: String {
            switch self {
            case .fixed(let credentials): "static key \(credentials.accessKeyID)"
            case .webIdentity(let role, _, _, _): "web identity for \(role)"
            case .container(let url, _, _): "container credentials from \(url)"
            case .instanceMetadata(let endpoint): "instance metadata at \(endpoint)"
            }
        }
    }

    public nonisolated let source: Source
    private var cached: AWSCredentials?
    private var fetching: Task<AWSCredentials, any Error>?

    public init(_ source: Source) {
        self.source = source
        if case .fixed(let credentials) = source { cached = credentials }
    }

    /// A fixed key (tests, and callers who have one).
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.init(.fixed(AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)))
    }

    /// Credentials good for a request now.
    public func credentials() async throws -> AWSCredentials {
        if let cached, !cached.isStale() { return cached }
        if let fetching { return try await fetching.value }
        let source = self.source
        let task = Task { try await Self.fetch(source) }
        fetching = task
        defer { fetching = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            // Credentials that still work (inside the refresh margin) serve until they expire.
            if let cached, let expiration = cached.expiration, expiration > Date() { return cached }
            throw error
        }
    }

    static func fetch(_ source: Source) async throws -> AWSCredentials {
        switch source {
        case .fixed(let credentials): return credentials
        case .webIdentity(let role, let tokenFile, let sessionName, let endpoint):
            return try await WebIdentityCredentials.assume(role: role, tokenFile: tokenFile, sessionName: sessionName, endpoint: endpoint)
        case .container(let url, let token, let tokenFile):
            return try await ContainerCredentials.fetch(url: url, token: token, tokenFile: tokenFile)
        case .instanceMetadata(let endpoint):
            return try await InstanceMetadataCredentials.fetch(endpoint: endpoint)
        }
    }
}

/// Credentials that could not be had, saying from where and why.
public struct AWSCredentialError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
