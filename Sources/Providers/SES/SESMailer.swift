import AsyncHTTPClient
import Foundation

/// Sends through Amazon SES v2: `POST /v2/email/outbound-emails` with the rendered MIME message as
/// `Content.Raw` (so the Message-ID and headers are ours), signed with SigV4 for service `ses`.
/// A campaign batch goes to `POST /v2/email/outbound-bulk-emails` (up to 50 entries) with the
/// skeleton as inline template content and each recipient's values as its replacement data —
/// only for recipients whose values read the same in text and HTML (no `&<>"'`), since SES's
/// simple substitution does not say whether it escapes; the others, and skeletons that contain
/// `{{` of their own, go one raw message at a time. Throttling and 5xx are transient; every other
/// refusal (an unverified sender, a paused account, a bad signature) makes SES unavailable for
/// the message. SES reports bounces later, not here.
public struct SESMailer: MailProvider {
    public let name = "ses"
    public var batchLimit: Int { 50 }
    public let configuration: SESConfiguration
    let http: HTTPClient

    public init(configuration: SESConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    struct Destination: Encodable {
        let ToAddresses: [String]
    }

    struct Request: Encodable {
        struct Raw: Encodable {
            let Data: String
        }
        struct Content: Encodable {
            let Raw: Raw
        }
        let FromEmailAddress: String
        let Destination: Destination
        let Content: Content
        let ConfigurationSetName: String?
    }

    struct BulkRequest: Encodable {
        struct TemplateContent: Encodable {
            let Subject: String
            let Text: String
            let Html: String
        }
        struct Template: Encodable {
            let TemplateContent: TemplateContent
            let TemplateData: String
        }
        struct DefaultContent: Encodable {
            let Template: Template
        }
        struct Header: Encodable {
            let Name: String
            let Value: String
        }
        struct ReplacementTemplate: Encodable {
            let ReplacementTemplateData: String
        }
        struct ReplacementContent: Encodable {
            let ReplacementTemplate: ReplacementTemplate
        }
        struct Entry: Encodable {
            let Destination: Destination
            let ReplacementEmailContent: ReplacementContent
            let ReplacementHeaders: [Header]?
        }
        let FromEmailAddress: String
        let ReplyToAddresses: [String]?
        let DefaultContent: DefaultContent
        let BulkEmailEntries: [Entry]
        let ConfigurationSetName: String?
    }

    struct BulkResponse: Decodable {
        struct Result: Decodable {
            let Status: String?
            let Error: String?
        }
        let BulkEmailEntryResults: [Result]?
    }

    /// AWS's JSON error: `{"message": …}` (or `Message`), the type in `x-amzn-ErrorType`.
    struct ErrorBody: Decodable {
        let message: String?
        let Message: String?
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        let request = Request(FromEmailAddress: message.from.address, Destination: .init(ToAddresses: [message.to.address]),
                              Content: .init(Raw: .init(Data: MIMEMessage.render(message).base64EncodedString())),
                              ConfigurationSetName: configuration.configurationSet)
        _ = try await post("/v2/email/outbound-emails", request)
    }

    public func send(_ batch: EmailBatch) async -> [MailError?] {
        var results = [MailError?](repeating: nil, count: batch.recipients.count)
        let bulk = batch.isTemplated && batch.recipients.count > 1 && ![batch.subject, batch.text, batch.html].contains { $0.contains("{{") }
        var together: [Int] = []
        var data: [Int: String] = [:]
        for (index, recipient) in batch.recipients.enumerated() {
            if bulk, let values = Self.templateData(recipient) {
                together.append(index)
                data[index] = values
            } else {
                do { try await send(batch.message(for: recipient)) } catch { results[index] = error }
            }
        }
        guard !together.isEmpty else { return results }
        let request = BulkRequest(
            FromEmailAddress: batch.from.address, ReplyToAddresses: batch.replyTo.map { [$0.address] },
            DefaultContent: .init(Template: .init(TemplateContent: .init(Subject: Self.sesTemplate(batch.subject), Text: Self.sesTemplate(batch.text),
                                                                         Html: Self.sesTemplate(batch.html)),
                                                  TemplateData: "{}")),
            BulkEmailEntries: together.map { index in
                let recipient = batch.recipients[index]
                let headers = recipient.headers.filter { !MIMEMessage.forbiddenHeader($0.0) }.map { BulkRequest.Header(Name: $0.0, Value: $0.1) }
                return BulkRequest.Entry(Destination: .init(ToAddresses: [recipient.to.address]),
                                         ReplacementEmailContent: .init(ReplacementTemplate: .init(ReplacementTemplateData: data[index] ?? "{}")),
                                         ReplacementHeaders: headers.isEmpty ? nil : headers)
            },
            ConfigurationSetName: configuration.configurationSet)
        let answer: MailHTTP.Answer
        do {
            answer = try await post("/v2/email/outbound-bulk-emails", request)
        } catch {
            for index in together { results[index] = error }
            return results
        }
        let entries = (try? JSONDecoder().decode(BulkResponse.self, from: answer.body))?.BulkEmailEntryResults ?? []
        for (position, index) in together.enumerated() {
            guard position < entries.count else {
                results[index] = .transient(provider: name, "SES answered \(entries.count) of \(together.count) entries")
                continue
            }
            results[index] = Self.entryError(entries[position], address: batch.recipients[index].to.address, provider: name)
        }
        return results
    }

    /// A recipient's values as SES replacement data (`{"vpai_t0": …}`), or nil when a value would
    /// read differently in the HTML part than in the text.
    static func templateData(_ recipient: EmailBatch.Recipient) -> String? {
        var values: [String: String] = [:]
        for (token, value) in recipient.substitutions {
            guard let variable = variable(of: token) else { return nil }
            if let other = values[variable], other != value { return nil }
            values[variable] = value
        }
        guard let data = try? JSONEncoder().encode(values) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `@@vpai_t3@@` and `@@vpai_h3@@` both become SES's `vpai_3`.
    static func variable(of token: String) -> String? {
        guard token.hasPrefix(EmailBatch.tokenPrefix), token.hasSuffix("@@") else { return nil }
        let inner = token.dropFirst(EmailBatch.tokenPrefix.count).dropLast(2)
        guard let kind = inner.first, kind == "t" || kind == "h", let index = Int(inner.dropFirst()) else { return nil }
        return "vpai_\(index)"
    }

    /// The skeleton with SES's `{{variable}}` in place of each token.
    static func sesTemplate(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: EmailBatch.tokenPrefix) {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].range(of: "@@"),
                  let variable = variable(of: String(rest[start.lowerBound..<end.upperBound])) else {
                result += rest[start.lowerBound...]
                return result
            }
            result += "{{\(variable)}}"
            rest = rest[end.upperBound...]
        }
        return result + rest
    }

    static func entryError(_ entry: BulkResponse.Result, address: String, provider: String) -> MailError? {
        let status = entry.Status ?? "FAILED"
        let detail = [status, entry.Error ?? ""].filter { !$0.isEmpty }.joined(separator: ": ")
        switch status {
        case "SUCCESS": return nil
        case "ACCOUNT_THROTTLED", "ACCOUNT_DAILY_QUOTA_EXCEEDED", "TRANSIENT_FAILURE", "FAILED":
            return .transient(provider: provider, detail)
        case "INVALID_PARAMETER" where (entry.Error ?? "").localizedCaseInsensitiveContains("address"):
            return .rejected(provider: provider, address: address, detail)
        default: return .unavailable(provider: provider, detail)
        }
    }

    /// One signed JSON request; a non-2xx answer becomes the error it stands for.
    private func post(_ path: String, _ request: some Encodable) async throws(MailError) -> MailHTTP.Answer {
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw .unavailable(provider: name, "cannot encode the request: \(error)") }
        guard let url = URL(string: configuration.endpoint + path), let host = url.host else {
            throw .unavailable(provider: name, "SES_ENDPOINT is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let credentials: AWSCredentials
        do { credentials = try await configuration.credentials.credentials() } catch {
            throw .unavailable(provider: name, "no AWS credentials: \(error)")
        }
        let signer = SigV4(credentials, region: configuration.region, service: "ses")
        let contentType = ("content-type", "application/json")
        let signed = signer.sign(method: "POST", path: path, headers: [("host", hostHeader), contentType], payload: body)
        let answer = try await MailHTTP.post(configuration.endpoint + path, headers: [contentType] + signed, body: body,
                                             timeout: configuration.timeout, provider: name, http: http)
        guard !(200..<300).contains(answer.status) else { return answer }
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: answer.body)
        let type = answer.header("x-amzn-ErrorType")?.split(separator: ":").first.map(String.init) ?? ""
        let text = [type, parsed?.message ?? parsed?.Message ?? answer.text].filter { !$0.isEmpty }.joined(separator: ": ")
        if ["TooManyRequestsException", "LimitExceededException", "ThrottlingException"].contains(type) {
            throw .transient(provider: name, "HTTP \(answer.status): \(text)")
        }
        throw MailHTTP.failure(answer, provider: name, message: text)
    }
}
