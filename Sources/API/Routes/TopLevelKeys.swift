/// The keys at the top level of a JSON object, read without decoding it: the allowed-key check of a
/// request body then costs one pass over its bytes instead of a keyed container of every key.
/// It vouches only for what it fully understands; anything else (a key with an escape, a body that
/// is not an object, malformed text) answers nil and the full decoder decides, with its own errors.
enum TopLevelKeys {
    static func read(_ bytes: UnsafeRawBufferPointer) -> [String]? {
        var reader = Reader(bytes: bytes)
        guard reader.skipSpace() == UInt8(ascii: "{") else { return nil }
        reader.index += 1
        var keys: [String] = []
        if reader.skipSpace() == UInt8(ascii: "}") { return keys }
        while true {
            guard reader.skipSpace() == UInt8(ascii: "\""), let key = reader.plainString() else { return nil }
            keys.append(key)
            guard reader.skipSpace() == UInt8(ascii: ":") else { return nil }
            reader.index += 1
            guard reader.skipValue() else { return nil }
            switch reader.skipSpace() {
            case UInt8(ascii: ","): reader.index += 1
            case UInt8(ascii: "}"): return keys
            default: return nil
            }
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        /// Moves past JSON whitespace; answers the byte there, or nil at the end.
        mutating func skipSpace() -> UInt8? {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return bytes[index]
                }
            }
            return nil
        }

        /// The string starting at the quote here, when it holds no escape and no control byte.
        mutating func plainString() -> String? {
            let start = index + 1
            var end = start
            while end < bytes.count {
                switch bytes[end] {
                case UInt8(ascii: "\""):
                    index = end + 1
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                case UInt8(ascii: "\\"), 0x00..<0x20: return nil
                default: end += 1
                }
            }
            return nil
        }

        /// Moves past one value of any kind (nested ones by their brackets, strings by their quotes);
        /// false when the text ends first or a bracket does not match.
        mutating func skipValue() -> Bool {
            var open: [UInt8] = []
            repeat {
                guard let byte = skipSpace() else { return false }
                switch byte {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    open.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard open.popLast() == byte else { return false }
                    index += 1
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard !open.isEmpty else { return false }
                    index += 1
                default:  // a number, true, false or null: up to the next delimiter
                    while index < bytes.count, !Self.delimiters.contains(bytes[index]) { index += 1 }
                }
            } while !open.isEmpty
            return true
        }

        /// Moves past the string starting at the quote here, escapes included.
        private mutating func skipString() -> Bool {
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                case UInt8(ascii: "\\"): index += 2
                default: index += 1
                }
            }
            return false
        }

        private static let delimiters: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "}"),
                                                     UInt8(ascii: "]"), UInt8(ascii: ":"), UInt8(ascii: "\"")]
    }
}
