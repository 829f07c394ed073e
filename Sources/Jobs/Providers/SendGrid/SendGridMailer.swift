import AsyncHTTPClient
import Foundation

/// Sends through SendGrid: `POST /v3/mail/send` with a Bearer key and one personalization per
/// message. 202 is success; 429 waits for `X-RateLimit-Reset`; 5xx is transient; a 400 about the
/// recipient's address rejects it; other refusals (credentials, payload) make SendGrid unavailable
/// for the message so the next provider gets it.
public struct SendGridMailer: MailProvider {
    public let name = "sendgrid"
    public let configuration: SendGridConfiguration
    let http: HTTPClient

    public init(configuration: SendGridConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    struct Mailbox: Codable {
        let email: String
        let name: String?

        init(_ address: EmailAddress) {
            email = address.address
            name = address.name
        }
    }

    struct Personalization: Codable {
        let to: [Mailbox]
    }

    struct Content: Codable {
        let type: String
        let value: String
    }

    struct Request: Codable {
        let personalizations: [Personalization]
        let from: Mailbox
        let replyTo: Mailbox?
        let subject: String
        let content: [Content]
        let headers: [String: String]?
        let customArgs: [String: String]

        enum CodingKeys: String, CodingKey {
            case personalizations, from, subject, content, headers
            case replyTo = "reply_to", customArgs = "custom_args"
        }
    }

    /// `{"errors": [{"message", "field", "help"}]}`.
    struct Errors: Decodable {
        struct Detail: Decodable {
            let message: String?
            let field: String?
        }
        let errors: [Detail]?
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        let headers = message.headers.filter { !MIMEMessage.forbiddenHeader($0.0) }
        let request = Request(
            personalizations: [Personalization(to: [Mailbox(message.to)])], from: Mailbox(message.from),
            replyTo: message.replyTo.map(Mailbox.init), subject: message.subject,
            content: [Content(type: "text/plain", value: message.text), Content(type: "text/html", value: message.html)],
            headers: headers.isEmpty ? nil : Dictionary(headers, uniquingKeysWith: { first, _ in first }),
            customArgs: ["message_id": message.id])
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw .unavailable(provider: name, "cannot encode the request: \(error)") }
        let answer = try await MailHTTP.post(
            "\(configuration.baseURL)/v3/mail/send",
            headers: [("Authorization", "Bearer \(configuration.apiKey)"), ("Content-Type", "application/json")],
            body: body, timeout: configuration.timeout, provider: name, http: http)
        guard !(200..<300).contains(answer.status) else { return }
        let details = (try? JSONDecoder().decode(Errors.self, from: answer.body))?.errors ?? []
        let text = details.compactMap(\.message).joined(separator: "; ").isEmpty ? answer.text : details.compactMap(\.message).joined(separator: "; ")
        if answer.status == 400, details.contains(where: { ($0.field ?? "").hasPrefix("personalizations.0.to") }) {
            throw .rejected(provider: name, address: message.to.address, text)
        }
        throw MailHTTP.failure(answer, provider: name, message: text, retryAfter: Self.retryAfter(answer))
    }

    /// SendGrid's `X-RateLimit-Reset` is the Unix time at which the allowance refills.
    static func retryAfter(_ answer: MailHTTP.Answer) -> Duration? {
        guard answer.status == 429, let reset = answer.header("X-RateLimit-Reset").flatMap(Double.init) else { return nil }
        let wait = reset - Date().timeIntervalSince1970
        return .milliseconds(Int64(max(1, min(wait, 3_600)) * 1_000))
    }
}
