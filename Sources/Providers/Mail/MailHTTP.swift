import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// The HTTP exchange the API-based mail providers share: one request, the answer read up to 1 MiB,
/// and transport failures (refused connections, timeouts, TLS) reported as transient.
enum MailHTTP {
    struct Answer {
        let status: Int
        let headers: [(String, String)]
        let body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var text: String { String(String(decoding: body, as: UTF8.self).prefix(500)) }
    }

    static func post(_ url: String, headers: [(String, String)], body: Data, timeout: Duration, provider: String,
                     http: HTTPClient = .shared) async throws(MailError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.milliseconds)), provider: provider,
                                                  operation: "mail")
            let body = try await response.body.collect(upTo: 1 << 20)
            return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(buffer: body))
        } catch {
            throw .transient(provider: provider, "no answer: \(error)")
        }
    }

    /// The usual reading of a failed answer: 429 and 5xx are transient, other statuses make the
    /// provider unavailable for this message.
    static func failure(_ answer: Answer, provider: String, message: String, retryAfter: Duration? = nil) -> MailError {
        switch answer.status {
        case 429, 500...: .transient(provider: provider, "HTTP \(answer.status): \(message)", retryAfter: retryAfter)
        default: .unavailable(provider: provider, "HTTP \(answer.status): \(message)")
        }
    }
}
