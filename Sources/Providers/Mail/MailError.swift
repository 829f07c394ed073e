/// Why a provider did not take a message. The failover mailer moves on after `transient` and
/// `unavailable`; `rejected` is the recipient's address refused for good (recorded, never retried).
public enum MailError: Error, Sendable, CustomStringConvertible {
    /// The provider may take it later: timeouts, 4xx SMTP replies, HTTP 429 and 5xx.
    case transient(provider: String, String, retryAfter: Duration? = nil)
    /// The address does not accept mail (SMTP 5xx to RCPT, a provider's bounce/invalid verdict).
    case rejected(provider: String, address: String, String)
    /// The provider refused the request itself (credentials, a malformed request): another
    /// provider may still take the message.
    case unavailable(provider: String, String)

    public var description: String {
        switch self {
        case .transient(let provider, let message, _): "\(provider): temporary failure: \(message)"
        case .rejected(let provider, let address, let message): "\(provider): \(address) was rejected: \(message)"
        case .unavailable(let provider, let message): "\(provider): \(message)"
        }
    }
}

extension MailError {
    /// The address is refused for good; another provider or a retry would not deliver it.
    public var isRejection: Bool {
        if case .rejected = self { return true }
        return false
    }
}
