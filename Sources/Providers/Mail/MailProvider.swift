/// One way of sending email (SMTP, SendGrid, SES). Providers are tried in order by `FailoverMailer`.
public protocol MailProvider: Sendable {
    /// Names the provider in logs, results and configuration (`MAIL_PROVIDERS`).
    var name: String { get }
    /// Most recipients one `send(_:)` of a batch carries (1: the provider sends one by one).
    var batchLimit: Int { get }
    func send(_ message: EmailMessage) async throws(MailError)
    /// Sends a batch of at most `batchLimit` recipients and answers, per recipient in order, nil
    /// when the provider took the message or why it did not.
    func send(_ batch: EmailBatch) async -> [MailError?]
}

extension MailProvider {
    public var batchLimit: Int { 1 }

    /// One message per recipient, stopping at the first failure of the provider itself (the rest
    /// answer the same error, so the failover mailer moves them on together).
    public func send(_ batch: EmailBatch) async -> [MailError?] {
        var results: [MailError?] = []
        for message in batch.messages {
            if let last = results.last, let failure = last, !failure.isRejection {
                results.append(failure)
                continue
            }
            do {
                try await send(message)
                results.append(nil)
            } catch {
                results.append(error)
            }
        }
        return results
    }
}
