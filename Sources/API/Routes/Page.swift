import Hummingbird

/// One page of a list, newest first; pass `next_cursor` back as `cursor` for the next page (null
/// on the last one).
struct Page<Item: Encodable & Sendable>: ResponseEncodable {
    let items: [Item]
    let nextCursor: String?

    init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// A page of `records` fetched with `limit`: a full page points past its last record.
    init<Record>(_ records: [Record], limit: Int, cursor: (Record) -> String, item: (Record) -> Item) {
        self.init(items: records.map(item), nextCursor: records.count == limit ? records.last.map(cursor) : nil)
    }
}

/// Cursors of lists ordered by an increasing integer id, newest first: the id of a page's last item.
enum IDCursor {
    static func parse(_ value: Substring?) throws -> Int64? {
        try value.map { text in
            guard let id = Int64(text) else { throw APIError.validation(field: "cursor", "must come from next_cursor") }
            return id
        }
    }
}
