import AsyncHTTPClient
import Foundation

/// Sends through SendGrid: `POST /v3/mail/send` with a Bearer key, one personalization per
/// recipient and up to 1,000 in a request, each with its substitutions, headers and Message-ID
/// (`custom_args.message_id`). 202 is success; 429 waits for `X-RateLimit-Reset`; 5xx is transient;
/// a 400 about one personalization's address rejects that address and the request goes again
/// without it; other refusals (credentials, payload) make SendGrid unavailable for the message so
/// the next provider gets it.
public struct SendGridMailer: MailProvider {
    public let name = "sendgrid"
    public var batchLimit: Int { 1_000 }
    /// SendGrid's cap on the substitutions of one personalization; a recipient with more is sent
    /// in a request of its own, its message substituted here.
    static let substitutionBytes = 10_000
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
        let substitutions: [String: String]?
        let headers: [String: String]?
        let customArgs: [String: String]

        enum CodingKeys: String, CodingKey {
            case to, substitutions, headers
            case customArgs = "custom_args"
        }
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

        enum CodingKeys: String, CodingKey {
            case personalizations, from, subject, content
            case replyTo = "reply_to"
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
        if let error = await send(EmailBatch(message)).first ?? nil { throw error }
    }

    public func send(_ batch: EmailBatch) async -> [MailError?] {
        var results = [MailError?](repeating: nil, count: batch.recipients.count)
        var together: [Int] = []
        for (index, recipient) in batch.recipients.enumerated() {
            let size = recipient.substitutions.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            if size <= Self.substitutionBytes {
                together.append(index)
            } else {
                let alone = EmailBatch(batch.message(for: recipient))
                results[index] = await request(alone, indices: [index]).first?.1
            }
        }
        // A refused address fails the whole request: it goes again without that address.
        for _ in 0..<3 where !together.isEmpty {
            let answers = await request(batch.with(together.map { batch.recipients[$0] }), indices: together)
            guard answers.contains(where: { $0.1?.isRejection == true }) else {
                for (index, error) in answers { results[index] = error }
                return results
            }
            together = []
            for (index, error) in answers {
                if error?.isRejection == true { results[index] = error } else { together.append(index) }
            }
        }
        for index in together {
            results[index] = .unavailable(provider: name, "the request kept being refused for other recipients' addresses")
        }
        return results
    }

    /// One request for the batch; answers each recipient's index with its error. On a 400 naming
    /// personalizations' addresses, those recipients are rejected and the rest answer a transient
    /// placeholder (they were not sent) that the caller resends.
    private func request(_ batch: EmailBatch, indices: [Int]) async -> [(Int, MailError?)] {
        let request = Request(
            personalizations: batch.recipients.map { recipient in
                let headers = recipient.headers.filter { !MIMEMessage.forbiddenHeader($0.0) }
                return Personalization(to: [Mailbox(recipient.to)],
                                       substitutions: recipient.substitutions.isEmpty ? nil : recipient.substitutions,
                                       headers: headers.isEmpty ? nil : Dictionary(headers, uniquingKeysWith: { first, _ in first }),
                                       customArgs: ["message_id": recipient.id])
            },
            from: Mailbox(batch.from), replyTo: batch.replyTo.map(Mailbox.init), subject: batch.subject,
            content: [Content(type: "text/plain", value: batch.text), Content(type: "text/html", value: batch.html)])
        func all(_ error: MailError?) -> [(Int, MailError?)] { indices.map { ($0, error) } }
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch {
            return all(.unavailable(provider: name, "cannot encode the request: \(error)"))
        }
        let answer: MailHTTP.Answer
        do {
            answer = try await MailHTTP.post(
                "\(configuration.baseURL)/v3/mail/send",
                headers: [("Authorization", "Bearer \(configuration.apiKey)"), ("Content-Type", "application/json")],
                body: body, timeout: configuration.timeout, provider: name, http: http)
        } catch {
            return all(error)
        }
        guard !(200..<300).contains(answer.status) else { return all(nil) }
        let details = (try? JSONDecoder().decode(Errors.self, from: answer.body))?.errors ?? []
        let messages = details.compactMap(\.message).joined(separator: "; ")
        let text = messages.isEmpty ? answer.text : messages
        if answer.status == 400 {
            let refused = Dictionary(details.compactMap { detail -> (Int, String)? in
                guard let position = Self.personalizationAddress(detail.field) else { return nil }
                return (position, detail.message ?? text)
            }) { first, _ in first }
            if !refused.isEmpty {
                return indices.enumerated().map { position, index in
                    guard let reason = refused[position] else { return (index, .transient(provider: name, "not sent: another address was refused")) }
                    return (index, .rejected(provider: name, address: batch.recipients[position].to.address, reason))
                }
            }
        }
        return all(MailHTTP.failure(answer, provider: name, message: text, retryAfter: Self.retryAfter(answer)))
    }

    /// The personalization whose address an error's field names: `personalizations.3.to.0.email` → 3.
    static func personalizationAddress(_ field: String?) -> Int? {
        let parts = (field ?? "").split(separator: ".")
        guard parts.count >= 3, parts[0] == "personalizations", parts[2] == "to" else { return nil }
        return Int(parts[1])
    }

    /// SendGrid's `X-RateLimit-Reset` is the Unix time at which the allowance refills.
    static func retryAfter(_ answer: MailHTTP.Answer) -> Duration? {
        guard answer.status == 429, let reset = answer.header("X-RateLimit-Reset").flatMap(Double.init) else { return nil }
        let wait = reset - Date().timeIntervalSince1970
        return .milliseconds(Int64(max(1, min(wait, 3_600)) * 1_000))
    }
}
