import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization

/// The two credential endpoints a process on AWS reads, as AWS documents them, handing out the key
/// a test gives it (so a real SigV4 check — moto's — sees the credentials the chain fetched):
/// - the container endpoint (ECS, EKS Pod Identity): `GET /creds` answering `AccessKeyId`,
///   `SecretAccessKey`, `Token`, `Expiration`, only with `Authorization: <token>` when one is set;
/// - the instance metadata service, IMDSv2 only: `PUT /latest/api/token` with
///   `X-aws-ec2-metadata-token-ttl-seconds`, then `GET /latest/meta-data/iam/security-credentials/`
///   (the role's name) and `…/<role>` (`Code: Success` and the key), each with `X-aws-ec2-metadata-token`.
public final class AWSCredentialsStandIn: Sendable {
    public struct Key: Sendable {
        public var id: String, secret: String, token: String?
        public init(id: String, secret: String, token: String?) {
            self.id = id
            self.secret = secret
            self.token = token
        }
    }

    public static let role = "voicepartner-node"
    private struct State {
        var key: Key
        var lifetime: Duration = .seconds(3_600)
        var requests: [String] = []
        var imdsTokens: Set<String> = []
    }

    private let state: Mutex<State>
    private let authorization: String?

    /// `authorization`: the token the container endpoint demands (none when nil).
    public init(key: Key, authorization: String? = nil) {
        state = Mutex(State(key: key))
        self.authorization = authorization
    }

    /// How long from now the credentials it hands out expire.
    public func expire(in lifetime: Duration) { state.withLock { $0.lifetime = lifetime } }
    /// "METHOD /path" of every request, in order.
    public var requests: [String] { state.withLock { $0.requests } }

    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("creds") { request, _ -> Response in
            self.note(request)
            guard self.authorization == nil || request.headers[.authorization] == self.authorization else {
                return Self.text(.unauthorized, "not authorised")
            }
            return self.credentials(code: nil)
        }
        router.put("latest/api/token") { request, _ -> Response in
            self.note(request)
            guard request.headers[HTTPField.Name("X-aws-ec2-metadata-token-ttl-seconds")!].flatMap(Int.init) != nil else {
                return Self.text(.badRequest, "missing ttl")
            }
            let token = "imds-\(UUID().uuidString)"
            self.state.withLock { _ = $0.imdsTokens.insert(token) }
            return Self.text(.ok, token)
        }
        router.get("latest/meta-data/iam/security-credentials/") { request, _ -> Response in
            self.note(request)
            return self.tokenValid(request) ? Self.text(.ok, Self.role) : Self.text(.unauthorized, "")
        }
        router.get("latest/meta-data/iam/security-credentials/:role") { request, context -> Response in
            self.note(request)
            guard self.tokenValid(request) else { return Self.text(.unauthorized, "") }
            guard context.parameters.get("role") == Self.role else { return Self.text(.notFound, "") }
            return self.credentials(code: "Success")
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func note(_ request: Request) { state.withLock { $0.requests.append("\(request.method) \(request.uri.path)") } }

    private func tokenValid(_ request: Request) -> Bool {
        guard let token = request.headers[HTTPField.Name("X-aws-ec2-metadata-token")!] else { return false }
        return state.withLock { $0.imdsTokens.contains(token) }
    }

    private func credentials(code: String?) -> Response {
        let (key, lifetime) = state.withLock { ($0.key, $0.lifetime) }
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(lifetime.components.seconds)))
        var object: [String: Any] = ["AccessKeyId": key.id, "SecretAccessKey": key.secret, "Expiration": expiration]
        if let token = key.token { object["Token"] = token }
        if let code {
            object["Code"] = code
            object["Type"] = "AWS-HMAC"
            object["LastUpdated"] = ISO8601DateFormatter().string(from: Date())
        } else {
            object["RoleArn"] = "arn:aws:iam::123456789012:role/\(Self.role)"
        }
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
