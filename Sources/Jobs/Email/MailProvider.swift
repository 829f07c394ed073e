/// One way of sending email (SMTP, SendGrid, SES). Providers are tried in order by `FailoverMailer`.
public protocol MailProvider: Sendable {
    /// Names the provider in logs, results and configuration (`MAIL_PROVIDERS`).
    var name: String { get }
    func send(_ message: EmailMessage) async throws(MailError)
}
