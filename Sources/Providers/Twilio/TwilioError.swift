/// How a Twilio request failed, sorted by what the caller should do about it.
public enum TwilioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A 4xx other than 429: the request itself is wrong (a bad number, an unverified caller ID).
    /// Retrying cannot help. `code` and `message` are Twilio's own (https://www.twilio.com/docs/errors).
    case rejected(httpStatus: Int, code: Int?, message: String)
    /// 429: too many requests; nothing was created.
    case throttled(message: String)
    /// 5xx: Twilio failed; the request may or may not have taken effect.
    case unavailable(httpStatus: Int, message: String)
    /// No answer (refused connection, timeout): the request may or may not have taken effect.
    case transport(String)
    /// A 2xx whose body is not what the API documents.
    case malformedResponse(String)
    /// A download larger than the caller's limit.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .rejected(let status, let code, let message):
            "Twilio refused the request (HTTP \(status)\(code.map { ", error \($0)" } ?? "")): \(message)"
        case .throttled(let message): "Twilio rate limit (HTTP 429): \(message)"
        case .unavailable(let status, let message): "Twilio failed (HTTP \(status)): \(message)"
        case .transport(let message): "no answer from Twilio: \(message)"
        case .malformedResponse(let message): "unexpected answer from Twilio: \(message)"
        case .tooLarge(let limit): "the download is larger than \(limit) bytes"
        }
    }

    /// Another attempt may succeed: throttled, Twilio failing, or no answer.
    public var isRetryable: Bool {
        switch self {
        case .throttled, .unavailable, .transport: true
        case .rejected, .malformedResponse, .tooLarge: false
        }
    }
}
