import Foundation

/// RFC 5322 / MIME rendering of an `EmailMessage` for SMTP and raw-message APIs: a
/// multipart/alternative body with text and HTML parts in base64 (7-bit safe, short lines, no
/// dot-stuffing surprises), and RFC 2047 encoded words for non-ASCII header text.
public enum MIMEMessage {
    public static func render(_ message: EmailMessage, date: Date = Date()) -> Data {
        let boundary = "=_vpai_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        var lines: [String] = [
            "From: \(mailbox(message.from))",
            "To: \(mailbox(message.to))",
        ]
        if let replyTo = message.replyTo { lines.append("Reply-To: \(mailbox(replyTo))") }
        lines += [
            "Subject: \(encodedWord(message.subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(message.id)>",
            "MIME-Version: 1.0",
        ]
        for (name, value) in message.headers where !forbiddenHeader(name) {
            lines.append("\(name): \(encodedWord(value.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")))")
        }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(message.text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(message.html),
            "--\(boundary)--",
            "",
        ]
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    /// A display name in an encoded word when it is not plain ASCII; the address as is.
    static func mailbox(_ address: EmailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        if name.allSatisfy({ $0.isASCII && !$0.isNewline }) { return address.description }
        return "\(encodedWord(name)) <\(address.address)>"
    }

    /// `=?utf-8?B?…?=` when the text is not printable ASCII; CR and LF never pass into a header.
    static func encodedWord(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
        if flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return flat }
        return "=?utf-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[start..<end])
            start = end
        }
        return lines.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// Headers the renderer owns; a caller cannot smuggle a second one in.
    static func forbiddenHeader(_ name: String) -> Bool {
        ["from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
         "content-transfer-encoding", "reply-to"].contains(name.lowercased())
            || name.contains(where: { $0 == ":" || $0.isNewline || $0.isWhitespace })
    }
}
