import AsyncHTTPClient
import Foundation

/// Sends through Amazon SES v2: `POST /v2/email/outbound-emails` with the rendered MIME message as
/// `Content.Raw` (so the Message-ID and headers are ours), signed with SigV4 for service `ses`.
/// Throttling and 5xx are transient; every other refusal (an unverified sender, a paused account,
/// a bad signature) makes SES unavailable for the message. SES reports bounces later, not here.
public struct SESMailer: MailProvider {
    public let name = "ses"
    public let configuration: SESConfiguration
    let http: HTTPClient

    public init(configuration: SESConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    struct Request: Encodable {
        struct Destination: Encodable {
            let ToAddresses: [String]
        }
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

    /// AWS's JSON error: `{"message": …}` (or `Message`), the type in `x-amzn-ErrorType`.
    struct ErrorBody: Decodable {
        let message: String?
        let Message: String?
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        let request = Request(FromEmailAddress: message.from.address, Destination: .init(ToAddresses: [message.to.address]),
                              Content: .init(Raw: .init(Data: MIMEMessage.render(message).base64EncodedString())),
                              ConfigurationSetName: configuration.configurationSet)
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw .unavailable(provider: name, "cannot encode the request: \(error)") }
        let path = "/v2/email/outbound-emails"
        guard let url = URL(string: configuration.endpoint + path), let host = url.host else {
            throw .unavailable(provider: name, "SES_ENDPOINT is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let signer = SigV4(accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
                           region: configuration.region, service: "ses")
        let contentType = ("content-type", "application/json")
        let signed = signer.sign(method: "POST", path: path, headers: [("host", hostHeader), contentType], payload: body)
        let answer = try await MailHTTP.post(configuration.endpoint + path, headers: [contentType] + signed, body: body,
                                             timeout: configuration.timeout, provider: name, http: http)
        guard !(200..<300).contains(answer.status) else { return }
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: answer.body)
        let type = answer.header("x-amzn-ErrorType")?.split(separator: ":").first.map(String.init) ?? ""
        let text = [type, parsed?.message ?? parsed?.Message ?? answer.text].filter { !$0.isEmpty }.joined(separator: ": ")
        if ["TooManyRequestsException", "LimitExceededException", "ThrottlingException"].contains(type) {
            throw .transient(provider: name, "HTTP \(answer.status): \(text)")
        }
        throw MailHTTP.failure(answer, provider: name, message: text)
    }
}
