import Foundation
import Hummingbird

/// Ids in paths. A malformed id answers like an unknown one (404): a caller learns nothing from
/// the difference.
enum PathParameter {
    static func uuid(_ context: APIRequestContext, _ name: String) throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIError.notFound(name)
        }
        return id
    }

    static func int64(_ context: APIRequestContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw APIError.notFound(name)
        }
        return id
    }
}

extension UUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Ids as the API writes them everywhere (bodies, headers, audit rows): lowercase. Written digit
    /// by digit: every request names two or three ids, and `uuidString` formats through `snprintf`.
    var idString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var index = 0
                for (offset, byte) in bytes.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    text[index] = Self.hexDigits[Int(byte >> 4)]
                    text[index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }
}
