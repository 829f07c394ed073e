import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A local stand-in for SendGrid's v3 Mail Send endpoint, written from its published API:
/// `POST /v3/mail/send` with `Authorization: Bearer <key>`, a JSON body of `personalizations` (1 to
/// 1,000, each with `to` addresses), `from`, `subject` and `content`; 202 with no body on success;
/// errors as `{"errors": [{"message", "field", "help"}]}`; 429 with `X-RateLimit-Limit`,
/// `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds). A personalization's
/// `substitutions` replace their tags in the subject and content, its `headers` and `custom_args`
/// add to the request's. Each accepted personalization is recorded as the message its recipients
/// get. Each request takes the next scripted behaviour (default: accept).
final class SendGridStandIn: Sendable {
    static let apiKey = "SG.stand-in-key"

    enum Behaviour: Sendable {
        case accept
        case throttle(resetIn: Int)
        case fail(status: Int)
    }

    struct Accepted: Sendable {
        var to: [String]
        var subject: String
        var messageID: String?
        var text: String?
        var html: String?
        var headers: [String: String]
        /// The number of the request that carried it, counting accepted requests from 1.
        var request: Int
    }

    private struct State {
        var script: [Behaviour] = []
        var accepted: [Accepted] = []
        var requests = 0
        var acceptedRequests = 0
    }

    private let state = Mutex(State())

    func script(_ behaviours: Behaviour...) { state.withLock { $0.script.append(contentsOf: behaviours) } }
    var accepted: [Accepted] { state.withLock { $0.accepted } }
    var requests: Int { state.withLock { $0.requests } }
    var acceptedRequests: Int { state.withLock { $0.acceptedRequests } }

    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/v3/mail/send") { request, context in try await self.send(request, context) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func send(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        state.withLock { $0.requests += 1 }
        guard request.headers[.authorization] == "Bearer \(Self.apiKey)" else {
            return Self.errors(status: .unauthorized, [("The provided authorization grant is invalid, expired, or revoked", nil)])
        }
        let buffer = try await request.body.collect(upTo: 30 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            return Self.errors(status: .badRequest, [("Bad Request", nil)])
        }
        let personalizations = object["personalizations"] as? [[String: Any]] ?? []
        guard (1...1_000).contains(personalizations.count) else {
            return Self.errors(status: .badRequest, [("The personalizations field is required and must have at least one personalization.",
                                                     "personalizations")])
        }
        for (index, personalization) in personalizations.enumerated() {
            let to = personalization["to"] as? [[String: Any]] ?? []
            guard !to.isEmpty else {
                return Self.errors(status: .badRequest,
                                   [("The to array is required for all personalization objects", "personalizations.\(index).to")])
            }
            for (position, mailbox) in to.enumerated() {
                guard let email = mailbox["email"] as? String, Self.isAddress(email) else {
                    return Self.errors(status: .badRequest, [("Does not contain a valid address.", "personalizations.\(index).to.\(position).email")])
                }
            }
        }
        guard let from = object["from"] as? [String: Any], let sender = from["email"] as? String, Self.isAddress(sender) else {
            return Self.errors(status: .badRequest, [("The from object must be provided for every email send.", "from")])
        }
        guard let subject = object["subject"] as? String, !subject.isEmpty else {
            return Self.errors(status: .badRequest, [("The subject is required.", "subject")])
        }
        let content = object["content"] as? [[String: Any]] ?? []
        guard !content.isEmpty, content.allSatisfy({ $0["type"] is String && $0["value"] is String }) else {
            return Self.errors(status: .badRequest, [("Unless a valid template_id is provided, the content parameter is required.", "content")])
        }
        let behaviour = state.withLock { $0.script.isEmpty ? Behaviour.accept : $0.script.removeFirst() }
        switch behaviour {
        case .throttle(let resetIn):
            var response = Self.errors(status: .tooManyRequests, [("too many requests", nil)])
            response.headers[HTTPField.Name("X-RateLimit-Limit")!] = "600"
            response.headers[HTTPField.Name("X-RateLimit-Remaining")!] = "0"
            response.headers[HTTPField.Name("X-RateLimit-Reset")!] = "\(Int(Date().timeIntervalSince1970) + resetIn)"
            return response
        case .fail(let status):
            return Self.errors(status: HTTPResponse.Status(code: status), [("internal error", nil)])
        case .accept:
            func substituted(_ text: String?, _ substitutions: [String: String]) -> String? {
                guard var text else { return nil }
                for (tag, value) in substitutions { text = text.replacingOccurrences(of: tag, with: value) }
                return text
            }
            let text = content.first { $0["type"] as? String == "text/plain" }?["value"] as? String
            let html = content.first { $0["type"] as? String == "text/html" }?["value"] as? String
            let headers = object["headers"] as? [String: String] ?? [:]
            let customArgs = object["custom_args"] as? [String: String] ?? [:]
            state.withLock { state in
                state.acceptedRequests += 1
                for personalization in personalizations {
                    let substitutions = personalization["substitutions"] as? [String: String] ?? [:]
                    let own = customArgs.merging(personalization["custom_args"] as? [String: String] ?? [:]) { _, own in own }
                    state.accepted.append(Accepted(
                        to: (personalization["to"] as? [[String: Any]] ?? []).compactMap { $0["email"] as? String },
                        subject: substituted(subject, substitutions) ?? subject, messageID: own["message_id"],
                        text: substituted(text, substitutions), html: substituted(html, substitutions),
                        headers: headers.merging(personalization["headers"] as? [String: String] ?? [:]) { _, own in own },
                        request: state.acceptedRequests))
                }
            }
            return Response(status: .accepted)
        }
    }

    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
    }

    static func errors(status: HTTPResponse.Status, _ details: [(String, String?)]) -> Response {
        let list = details.map { detail -> [String: Any] in
            var item: [String: Any] = ["message": detail.0, "help": NSNull()]
            item["field"] = detail.1 ?? NSNull()
            return item
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["errors": list])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
