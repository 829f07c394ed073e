/// One email to many recipients that differ only in substituted values: the parts carry tokens
/// (`@@vpai_t0@@` in subject and text, `@@vpai_h0@@` in HTML, whose values arrive escaped) and each
/// recipient its values, so a provider with a batch endpoint (SendGrid personalizations, SES bulk)
/// sends them in one request. `message(for:)` substitutes locally and is, by construction, what the
/// recipient receives; a single message is a batch of one without tokens.
public struct EmailBatch: Sendable {
    public struct Recipient: Sendable {
        /// The Message-ID, stable across retries.
        public var id: String
        public var to: EmailAddress
        /// Token → value; the values never contain a token (see `isSafeValue`).
        public var substitutions: [String: String]
        /// Headers of this recipient's message, already substituted (e.g. `List-Unsubscribe`).
        public var headers: [(String, String)]

        public init(id: String, to: EmailAddress, substitutions: [String: String] = [:], headers: [(String, String)] = []) {
            self.id = id
            self.to = to
            self.substitutions = substitutions
            self.headers = headers
        }
    }

    public var from: EmailAddress
    public var replyTo: EmailAddress?
    public var subject: String
    public var text: String
    public var html: String
    public var recipients: [Recipient]

    public init(from: EmailAddress, replyTo: EmailAddress? = nil, subject: String, text: String, html: String, recipients: [Recipient]) {
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.recipients = recipients
    }

    /// A batch of one: the message as it is.
    public init(_ message: EmailMessage) {
        self.init(from: message.from, replyTo: message.replyTo, subject: message.subject, text: message.text, html: message.html,
                  recipients: [Recipient(id: message.id, to: message.to, headers: message.headers)])
    }

    /// The same parts for other recipients (a slice, or those a provider did not take).
    public func with(_ recipients: [Recipient]) -> EmailBatch {
        var copy = self
        copy.recipients = recipients
        return copy
    }

    /// Whether any part carries a token, i.e. the provider must substitute.
    public var isTemplated: Bool {
        [subject, text, html].contains { $0.contains(Self.tokenPrefix) }
    }

    /// The message one recipient gets.
    public func message(for recipient: Recipient) -> EmailMessage {
        EmailMessage(id: recipient.id, from: from, to: recipient.to, replyTo: replyTo,
                     subject: Self.substitute(subject, recipient.substitutions), text: Self.substitute(text, recipient.substitutions),
                     html: Self.substitute(html, recipient.substitutions), headers: recipient.headers)
    }

    public var messages: [EmailMessage] { recipients.map(message(for:)) }

    public static let tokenPrefix = "@@vpai_"

    /// The token of the `index`th personal variable in the text parts (raw value) or the HTML part
    /// (escaped value). Letters, digits, `_` and `@` only, so no template escaping alters it.
    public static func token(_ index: Int, html: Bool) -> String {
        "\(tokenPrefix)\(html ? "h" : "t")\(index)@@"
    }

    /// A value that cannot introduce a token of its own, so one pass of replacements in any order
    /// gives the same result.
    public static func isSafeValue(_ value: String) -> Bool {
        !value.contains(tokenPrefix)
    }

    public static func substitute(_ text: String, _ substitutions: [String: String]) -> String {
        guard text.contains(tokenPrefix) else { return text }
        var result = text
        for (token, value) in substitutions { result = result.replacingOccurrences(of: token, with: value) }
        return result
    }
}
