import Foundation

/// A key to sign AWS requests with: long-lived (an IAM user's) or temporary (a role's, with its
/// session token and expiry).
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Sent, signed, as `x-amz-security-token` with temporary credentials.
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-lived ones.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether they should be fetched again: five minutes before they expire, as the AWS SDKs do,
    /// so a request signed now is not refused in flight.
    func isStale(at now: Date = Date()) -> Bool {
        expiration.map { $0.timeIntervalSince(now) < 300 } ?? false
    }

    /// AWS's credential timestamps: ISO 8601 in UTC, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
