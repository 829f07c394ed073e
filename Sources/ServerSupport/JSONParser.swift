/// Strict JSON (RFC 8259) read by hand into `JSONValue`s. Foundation's decoder builds a `JSONValue`
/// by trying each type in turn and catching the failures, which costs microseconds per value and
/// made decoding most of a small request's own work.
///
/// It vouches only for what it fully understands: text that is not JSON, a duplicate key, a lone
/// UTF-16 surrogate, a number too large or too small for a `Double` or nesting deeper than 64 answer nil,
/// and the caller lets `JSONDecoder` decide (with its own errors). What it does answer is the value
/// `JSONDecoder` would give.
public enum JSONParser {
    static let maximumDepth = 64

    /// One member of a top-level object: `isIntegerLiteral` says its number was written without a
    /// fraction or exponent (what a strict integer field accepts).
    public struct Member: Sendable {
        public let key: String
        public let value: JSONValue
        public let isIntegerLiteral: Bool
    }

    /// The whole text as one value.
    public static func value(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value(depth: 0), reader.atEnd else { return nil }
        return value
    }

    /// The members of the text's top-level object, in order.
    public static func members(_ bytes: UnsafeRawBufferPointer) -> [Member]? {
        var reader = Reader(bytes: bytes)
        guard reader.skipSpace() == UInt8(ascii: "{") else { return nil }
        var members: [Member] = []
        var keys = Set<String>()
        let read = reader.members(depth: 0) { key, value, isIntegerLiteral in
            members.append(Member(key: key, value: value, isIntegerLiteral: isIntegerLiteral))
            return keys.insert(key).inserted
        }
        return read && reader.atEnd ? members : nil
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        var lastNumberWasInteger = false

        /// Nothing but whitespace is left.
        var atEnd: Bool {
            mutating get { skipSpace() == nil }
        }

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

        mutating func value(depth: Int) -> JSONValue? {
            guard depth <= JSONParser.maximumDepth, let byte = skipSpace() else { return nil }
            switch byte {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return number().map(JSONValue.number)
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func object(depth: Int) -> JSONValue? {
            var object: [String: JSONValue] = [:]
            let read = members(depth: depth) { key, value, _ in object.updateValue(value, forKey: key) == nil }
            return read ? .object(object) : nil
        }

        /// Reads the object whose opening brace is here, handing each member to `accept` (with
        /// whether its number was written as an integer); false when the text is not an object or
        /// `accept` declines a member.
        mutating func members(depth: Int, _ accept: (String, JSONValue, Bool) -> Bool) -> Bool {
            index += 1
            if skipSpace() == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                guard skipSpace() == UInt8(ascii: "\""), let key = string(), skipSpace() == UInt8(ascii: ":") else { return false }
                index += 1
                lastNumberWasInteger = false
                guard let member = value(depth: depth + 1) else { return false }
                let isInteger: Bool = if case .number = member { lastNumberWasInteger } else { false }
                guard accept(key, member, isInteger) else { return false }
                switch skipSpace() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var array: [JSONValue] = []
            if skipSpace() == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                guard let element = value(depth: depth + 1) else { return nil }
                array.append(element)
                switch skipSpace() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(array)
                default: return nil
                }
            }
        }

        /// The string whose opening quote is here: escapes resolved, UTF-8 checked.
        mutating func string() -> String? {
            let start = index + 1
            var end = start
            while end < bytes.count {
                switch bytes[end] {
                case UInt8(ascii: "\""):
                    index = end + 1
                    return String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                case UInt8(ascii: "\\"):
                    index = start
                    return escapedString()
                case 0x00..<0x20: return nil
                default: end += 1
                }
            }
            return nil
        }

        /// The slow way, for a string with escapes: from its first byte (the index) to its closing quote.
        mutating func escapedString() -> String? {
            var utf8: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(validating: utf8, as: UTF8.self)
                case 0x00..<0x20: return nil
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                default: utf8.append(byte)
                }
            }
            return nil
        }

        /// The scalar of a `\u` escape whose four digits start here (two escapes for a surrogate pair).
        mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let unit = hex4() else { return nil }
            switch unit {
            case 0xD800..<0xDC00:
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            case 0xDC00..<0xE000: return nil
            default: return Unicode.Scalar(unit)
            }
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as a Double.
        mutating func number() -> Double? {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) { return nil }
            } else {
                skipDigits()
            }
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { return nil }
                skipDigits()
                isInteger = false
            }
            let mantissa = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { return nil }
                skipDigits()
                isInteger = false
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            // Too large is infinite; too small rounds to zero, which the decoder refuses as well
            // (a nonzero digit that came out as 0).
            guard let number = Double(text), number.isFinite,
                  number != 0 || mantissa.allSatisfy({ !(UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            lastNumberWasInteger = isInteger
            return number
        }

        func isDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }

        mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }
}
