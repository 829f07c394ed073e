import AsyncHTTPClient
import Foundation
import NIOCore

/// The instance role's credentials from EC2's instance metadata service, IMDSv2 only: a session
/// token first (PUT, which a misconfigured proxy or a container's extra hop cannot forward), then the
/// role's name, then its credentials (`Code` must be `Success`).
enum InstanceMetadataCredentials {
    struct Answer: Decodable {
        let Code: String
        let AccessKeyId: String?
        let SecretAccessKey: String?
        let Token: String?
        let Expiration: String?
    }

    static func fetch(endpoint: String, http: HTTPClient = .shared) async throws -> AWSCredentials {
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        var tokenRequest = HTTPClientRequest(url: "\(base)/latest/api/token")
        tokenRequest.method = .PUT
        tokenRequest.headers.add(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")
        let (tokenStatus, token) = try await ContainerCredentials.send(tokenRequest, to: tokenRequest.url, operation: "imds", http: http)
        guard tokenStatus == 200, !token.isEmpty else {
            throw AWSCredentialError("the instance metadata service at \(base) gave no IMDSv2 token (HTTP \(tokenStatus))")
        }
        let rolesURL = "\(base)/latest/meta-data/iam/security-credentials/"
        var rolesRequest = HTTPClientRequest(url: rolesURL)
        rolesRequest.headers.add(name: "X-aws-ec2-metadata-token", value: token)
        let (rolesStatus, roles) = try await ContainerCredentials.send(rolesRequest, to: rolesURL, operation: "imds", http: http)
        guard rolesStatus == 200, let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw AWSCredentialError("the instance at \(base) has no IAM role (HTTP \(rolesStatus))")
        }
        var request = HTTPClientRequest(url: rolesURL + role)
        request.headers.add(name: "X-aws-ec2-metadata-token", value: token)
        let answer: Answer = try await ContainerCredentials.getJSON(request, from: rolesURL + role, operation: "imds", http: http)
        guard answer.Code == "Success", let id = answer.AccessKeyId, let secret = answer.SecretAccessKey else {
            throw AWSCredentialError("the instance metadata service answered \(answer.Code) for role \(role)")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: answer.Token,
                              expiration: answer.Expiration.flatMap(AWSCredentials.date))
    }
}
