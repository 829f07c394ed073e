import Foundation

/// Field checks shared by the routes; each failure names the field.
enum Validation {
    static func email(_ value: String, field: String = "email") throws -> String {
        let email = value.trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw APIError.validation(field: field, "must be an email address") }
        return email
    }

    static func text(_ value: String, field: String, maxLength: Int, allowEmpty: Bool = false) throws -> String {
        let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if !allowEmpty, text.isEmpty { throw APIError.validation(field: field, "must not be empty") }
        if text.count > maxLength { throw APIError.validation(field: field, "must be at most \(maxLength) characters") }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) {
            throw APIError.validation(field: field, "must not contain control characters")
        }
        return text
    }

    static func limit(_ value: String?, default fallback: Int = 50, maximum: Int = 200) throws -> Int {
        guard let value else { return fallback }
        guard let limit = Int(value), (1...maximum).contains(limit) else {
            throw APIError.validation(field: "limit", "must be an integer from 1 to \(maximum)")
        }
        return limit
    }

    /// An ISO 8601 instant (`2026-11-25T10:00:00Z`, fractional seconds allowed) in `instants`.
    static func timestamp(_ text: String, field: String) throws -> Date {
        guard let date = iso8601(text) else {
            throw APIError.validation(field: field, "must be an ISO 8601 time such as 2026-11-25T10:00:00Z")
        }
        return try instant(date, field: field)
    }

    /// ISO 8601 with or without fractional seconds; nil when it is neither.
    static func iso8601(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    /// Every instant a caller may send: years 0001 to 9999 (UTC). Outside them PostgreSQL refuses
    /// the value or its driver's conversion traps.
    static let instants = Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799)

    static func instant(_ date: Date, field: String) throws -> Date {
        guard instants.contains(date) else { throw APIError.validation(field: field, "must be a time between the years 0001 and 9999") }
        return date
    }
}
