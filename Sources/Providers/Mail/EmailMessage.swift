import Foundation

/// A mailbox: an address and an optional display name.
public struct EmailAddress: Codable, Sendable, Hashable, CustomStringConvertible {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `"Name" <address>` or the bare address, for headers (`MIMEMessage` encodes non-ASCII names).
    public var description: String {
        guard let name, !name.isEmpty else { return address }
        return "\"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\" <\(address)>"
    }

    /// The address as it is compared against suppression and unsubscribe lists.
    public var normalized: String { address.lowercased() }
}

/// One rendered email to one recipient. `id` is stable across retries of the job that sends it, so
/// providers and receivers can recognise a resend (it becomes the Message-ID).
public struct EmailMessage: Sendable {
    public var id: String
    public var from: EmailAddress
    public var to: EmailAddress
    public var replyTo: EmailAddress?
    public var subject: String
    public var text: String
    public var html: String
    /// Extra headers, e.g. `List-Unsubscribe` for campaign mail.
    public var headers: [(String, String)]

    public init(id: String, from: EmailAddress, to: EmailAddress, replyTo: EmailAddress? = nil, subject: String, text: String,
                html: String, headers: [(String, String)] = []) {
        self.id = id
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
    }
}
