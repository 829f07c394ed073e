import Foundation

/// Cursors of lists ordered by (created_at, id), newest first: `<microseconds>_<id>` of the last
/// item of a page. Opaque to callers; a malformed one is a validation error.
enum TimeCursor {
    static func make(_ createdAt: Date, _ id: UUID) -> String {
        "\(Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(id.idString)"
    }

    static func parse(_ text: String) throws -> (Date, UUID) {
        let parts = text.split(separator: "_")
        // Creation times are after 1970 and before 10000: anything else did not come from a page.
        guard parts.count == 2, let micros = Int64(parts[0]), (0...253_402_300_799_999_999).contains(micros),
              let id = UUID(uuidString: String(parts[1])) else {
            throw APIError.validation(field: "cursor", "must come from next_cursor")
        }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }
}
