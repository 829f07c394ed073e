import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// A role's temporary credentials for a web identity token (EKS IRSA projects one into the pod and
/// rotates it): STS `AssumeRoleWithWebIdentity`, a request the token itself authorises, so it is not
/// signed. The token file is read at every exchange, since it is rotated.
enum WebIdentityCredentials {
    static func assume(role: String, tokenFile: String, sessionName: String, endpoint: String,
                       http: HTTPClient = .shared) async throws -> AWSCredentials {
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw AWSCredentialError("the web identity token file \(tokenFile) cannot be read: \(error.localizedDescription)")
        }
        var request = HTTPClientRequest(url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/xml")
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode([
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ])))
        let status: Int, body: String
        do {
            let response = try await http.execute(request, timeout: .seconds(10), provider: "aws", operation: "sts")
            status = Int(response.status.code)
            body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw AWSCredentialError("STS at \(endpoint) did not answer: \(error)")
        }
        guard (200..<300).contains(status) else {
            let code = element("Code", in: body) ?? "HTTP \(status)"
            throw AWSCredentialError("STS refused the web identity for \(role): \(code): \(element("Message", in: body) ?? "")")
        }
        guard let id = element("AccessKeyId", in: body), let secret = element("SecretAccessKey", in: body),
              let session = element("SessionToken", in: body) else {
            throw AWSCredentialError("STS answered without credentials: \(body.prefix(300))")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: session,
                              expiration: element("Expiration", in: body).flatMap(AWSCredentials.date))
    }

    /// The text of the first `<name>` element, its five XML entities unescaped.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
