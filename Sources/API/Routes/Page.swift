import Hummingbird

/// One page of a list, newest first; pass `next_cursor` back as `cursor` for the next page (null
/// on the last one).
struct Page<Item: Encodable & Sendable>: ResponseEncodable {
    let items: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
}
