import Foundation
import Hummingbird
import ServerSupport

/// Decoding of JSON request bodies with errors that name the offending field.
enum RequestBody {
    /// Decodes a JSON body; with `allowedKeys`, a top-level key outside the set is refused (so a
    /// misspelt option fails loudly instead of being ignored).
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: APIRequestContext, allowedKeys: Set<String>? = nil
    ) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType, "send the body as application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        if buffer.readableBytes == 0 {
            throw APIError(.badRequest, .invalidJSON, "the request needs a JSON body")
        }
        if containsEscapedNUL(buffer.readableBytesView) {
            // PostgreSQL text cannot hold U+0000; refused here once instead of failing in a query.
            throw APIError.validation(field: "body", "must not contain NUL characters")
        }
        do {
            let parsed = T.self as? any ParsedBody.Type
            // The members, read by hand, settle a parsed body and the allowed-key check; where the
            // parser declines, the decoder decides.
            let members = parsed != nil || allowedKeys != nil ? buffer.withUnsafeReadableBytes(JSONParser.members) : nil
            if let parsed, let members, let value = parsed.init(members: members) as? T { return value }
            guard let allowedKeys else { return try JSONDecoder.api.decode(T.self, from: buffer) }
            if let members, members.allSatisfy({ allowedKeys.contains($0.key) }) { return try JSONDecoder.api.decode(T.self, from: buffer) }
            // An unknown key, or a body the parser could not vouch for: the keyed check names the
            // field (or finds the body malformed) exactly as the decoder sees it.
            let decoder = JSONDecoder.makeAPI()
            decoder.userInfo[KeyChecked<T>.allowedKeys] = allowedKeys
            return try decoder.decode(KeyChecked<T>.self, from: buffer).value
        } catch let error as DecodingError {
            throw describe(error)
        }
    }

    /// Whether the JSON text has a `\u0000` escape (an unescaped backslash before it; `\\u0000` is
    /// the six characters of text, which is allowed).
    static func containsEscapedNUL<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        let pattern = Array(#"\u0000"#.utf8)
        var index = bytes.startIndex
        while index + pattern.count <= bytes.endIndex {
            if bytes[index] == pattern[0], bytes[index ..< index + pattern.count].elementsEqual(pattern) {
                var backslashes = 1
                while index - backslashes >= bytes.startIndex, bytes[index - backslashes] == UInt8(ascii: "\\") { backslashes += 1 }
                if backslashes % 2 == 1 { return true }
            }
            index += 1
        }
        return false
    }

    /// A decoding failure as a 4xx naming the field: malformed JSON is 400, a wrong or missing field 422.
    static func describe(_ error: DecodingError) -> APIError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation(field: path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return .validation(field: path(context.codingPath), "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .validation(field: path(context.codingPath), "must be \(describe(type)), not null")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            // This API's own decoding checks say what they want ("must …"); Foundation's do not.
            return .validation(field: path(context.codingPath),
                               context.debugDescription.hasPrefix("must ") ? context.debugDescription : "has an invalid value")
        default:
            return APIError(.badRequest, .invalidJSON, "the body is not valid JSON")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int16.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "a \(type)".lowercased()
        }
    }
}

/// A body type that can be read from `JSONParser`'s members, for the busiest routes: `nil` whenever
/// the members do not settle it exactly as `JSONDecoder` would (a missing or mistyped field, a key it
/// does not know, a field with checks of its own), and the decoder decides, with its errors.
protocol ParsedBody: Decodable {
    init?(members: [JSONParser.Member])
}

/// Request bodies name their snake_case keys in each type's CodingKeys: a validation error names the
/// field by its coding path and the allowed-key check compares wire names, so the decoder takes no key
/// strategy.
extension JSONDecoder {
    /// Shared by every request: decoding reads the decoder's settings and never changes them.
    static let api = makeAPI()

    /// A decoder of its own, for a caller that sets `userInfo`.
    static func makeAPI() -> JSONDecoder {
        let decoder = JSONDecoder()
        // ISO 8601, fractional seconds allowed, years 0001 to 9999 (`Validation.instants`).
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Validation.iso8601(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an ISO 8601 time such as 2026-11-25T10:00:00Z")
            }
            guard Validation.instants.contains(date) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a time between the years 0001 and 9999")
            }
            return date
        }
        return decoder
    }
}

/// Responses get snake_case keys from the encoder's strategy, so a view's property `jobID` is sent as
/// `job_id` without a CodingKeys enum. Dictionary keys (user JSON, counts by name) keep their spelling.
extension JSONEncoder {
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// Decodes `T` after checking the top-level keys against the allowed set in the decoder's user info
/// (one pass over the body, not a second decode).
struct KeyChecked<T: Decodable>: Decodable {
    static var allowedKeys: CodingUserInfoKey { CodingUserInfoKey(rawValue: "allowedKeys")! }

    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let value: T

    init(from decoder: any Decoder) throws {
        if let allowed = decoder.userInfo[Self.allowedKeys] as? Set<String> {
            guard let container = try? decoder.container(keyedBy: AnyKey.self) else {
                throw APIError(.badRequest, .invalidJSON, "the body must be a JSON object")
            }
            if let unknown = container.allKeys.map({ $0.stringValue }).sorted().first(where: { !allowed.contains($0) }) {
                throw APIError.validation(field: unknown, "is not a known field")
            }
        }
        value = try T(from: decoder)
    }
}
