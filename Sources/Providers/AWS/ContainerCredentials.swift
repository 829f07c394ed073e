import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Credentials from the container's credential endpoint (ECS task roles, EKS Pod Identity): a GET,
/// with the authorization token when one is given (read from its file at every fetch, since the
/// agent rotates it), answering `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration`.
enum ContainerCredentials {
    struct Answer: Decodable {
        let AccessKeyId: String
        let SecretAccessKey: String
        let Token: String?
        let Expiration: String?
    }

    static func fetch(url: String, token: String?, tokenFile: String?, http: HTTPClient = .shared) async throws -> AWSCredentials {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let tokenFile {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw AWSCredentialError("the container authorization token file \(tokenFile) cannot be read")
            }
            request.headers.add(name: "Authorization", value: token.trimmingCharacters(in: .whitespacesAndNewlines))
        } else if let token {
            request.headers.add(name: "Authorization", value: token)
        }
        let answer: Answer = try await getJSON(request, from: url, operation: "container", http: http)
        return AWSCredentials(accessKeyID: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey, sessionToken: answer.Token,
                              expiration: answer.Expiration.flatMap(AWSCredentials.date))
    }

    /// A GET whose 2xx answer is `T` as JSON; anything else is an `AWSCredentialError` naming `url`.
    static func getJSON<T: Decodable>(_ request: HTTPClientRequest, from url: String, operation: String,
                                      http: HTTPClient) async throws -> T {
        let (status, body) = try await send(request, to: url, operation: operation, http: http)
        guard (200..<300).contains(status) else { throw AWSCredentialError("\(url) answered HTTP \(status): \(body.prefix(200))") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.utf8))
        } catch {
            throw AWSCredentialError("\(url) answered something other than credentials: \(body.prefix(200))")
        }
    }

    static func send(_ request: HTTPClientRequest, to url: String, operation: String, http: HTTPClient) async throws -> (Int, String) {
        do {
            let response = try await http.execute(request, timeout: .seconds(5), provider: "aws", operation: operation)
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
        } catch {
            throw AWSCredentialError("\(url) did not answer: \(error)")
        }
    }
}
