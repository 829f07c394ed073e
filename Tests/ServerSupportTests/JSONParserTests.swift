import Foundation
@testable import ServerSupport
import Testing

/// The hand-written parser against Foundation's decoder: whatever it answers, the decoder answers the
/// same; what is not JSON it refuses; what it declines (duplicates, depth) the decoder still decides.
@Suite struct JSONParserTests {
    static func parsed(_ text: String) -> JSONValue? {
        Array(text.utf8).withUnsafeBytes(JSONParser.value)
    }

    static func decoded(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: [
        "{}", "[]", "null", "true", "false", "0", "-0", "1", "-12", "3.25", "1e3", "1E-3", "-2.5e+2", "123456789012345678901234567890",
        #""""#, #""plain""#, #""é ∑ 😀 \u00e9 \u2211 \ud83d\ude00""#, #""\"\\\/\b\f\n\r\t""#, #""\uFFFF \u0041""#,
        #" { "a" : 1 , "b" : [ true , null , "x" ] , "c" : { "d" : { } } } "#,
        #"{"kind":"platform.canary","args":{"n":1.5,"list":[1,2,3],"nested":{"deep":[{"x":"y"}]}}}"#,
        "[[[[[[[[[[]]]]]]]]]]", "\t\n\r [1]\n", "0e-400", "-0.000e5", "5e-324", "1.7976931348623157e308",
    ])
    func acceptsWhatTheDecoderAcceptsWithTheSameValue(_ text: String) throws {
        let value = try #require(Self.parsed(text), "parser declined \(text)")
        #expect(value == Self.decoded(text), "\(text)")
    }

    @Test(arguments: [
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{,}", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "{'a':1}", "01", "-", "1.", ".5", "+1", "1e",
        "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1e400", "1e-400", "-1e-400", "0." + String(repeating: "0", count: 400) + "1",
        "tru", "nul", "True", #""unterminated"#, #""bad \x escape""#,
        #""\u12""#, #""\ud83d alone""#, #""\ude00 low alone""#, "\"tab\tinside\"", "\"line\nbreak\"", "[1] [2]", "{} x", "1 2",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(Self.parsed(text) == nil, "\(text)")
    }

    @Test func invalidUTF8IsRefused() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]  // a quote, a broken two-byte sequence, a quote
        #expect(bytes.withUnsafeBytes(JSONParser.value) == nil)
        let escaped: [UInt8] = Array(#""\u00e9 "#.utf8) + [0xFF, 0x22]
        #expect(escaped.withUnsafeBytes(JSONParser.value) == nil)
    }

    @Test func declinesDuplicateKeysAndDeepNesting() {
        #expect(Self.parsed(#"{"a":1,"a":2}"#) == nil)
        #expect(Self.parsed(#"{"o":{"a":1,"a":2}}"#) == nil)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(Self.parsed(deep) == nil)
        #expect(Self.decoded(deep) != nil, "the decoder still reads it")
    }

    @Test func membersKeepOrderAndSayWhichNumbersWereIntegers() throws {
        let text = #"{"b":2,"a":2.0,"c":2e0,"d":"2","e":[1],"f":-0}"#
        let members = try #require(Array(text.utf8).withUnsafeBytes(JSONParser.members))
        #expect(members.map(\.key) == ["b", "a", "c", "d", "e", "f"])
        #expect(members.map(\.isIntegerLiteral) == [true, false, false, false, false, true])
        #expect(members.map(\.value) == [2, .number(2), .number(2), "2", [1], .number(0)])
        #expect(Array(#"{"a":1,"a":1}"#.utf8).withUnsafeBytes(JSONParser.members) == nil)
        #expect(Array("[1]".utf8).withUnsafeBytes(JSONParser.members) == nil)
        #expect(Array("{} {}".utf8).withUnsafeBytes(JSONParser.members) == nil)
        #expect(try #require(Array(" {} ".utf8).withUnsafeBytes(JSONParser.members)).isEmpty)
    }

    /// Random documents, written compactly and with whitespace and `\u` escapes everywhere they may
    /// go: parser and decoder agree on every one.
    @Test func randomDocumentsAgreeWithTheDecoder() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, using: &generator)
            for text in [value.text, Self.loose(value, using: &generator)] {
                let parsed = try #require(Self.parsed(text), "parser declined \(text)")
                #expect(parsed == Self.decoded(text), "\(text)")
                #expect(parsed == value, "\(text)")
            }
        }
    }

    static let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "é", "∑", "😀", "\u{FFFF}", "{", "]"]

    static func randomString(using generator: inout SystemRandomNumberGenerator) -> String {
        String((0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth < 4 ? 7 : 5), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)))
            case 1: return .number(Double.random(in: -1e6...1e6, using: &generator))
            default:  // anywhere in Double's range, subnormals included
                let exponent = Int.random(in: -1_070...1_020, using: &generator)
                return .number(Double(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: exponent,
                                      significand: Double.random(in: 1..<2, using: &generator)))
            }
        case 3, 4: return .string(randomString(using: &generator))
        case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    /// The value as JSON with whitespace between tokens and strings written as `\u` escapes
    /// (surrogate pairs beyond the BMP).
    static func loose(_ value: JSONValue, using generator: inout SystemRandomNumberGenerator) -> String {
        let space = [" ", "\n", "\t", "\r", ""].randomElement(using: &generator)!
        func quoted(_ text: String) -> String {
            "\"" + text.utf16.map { String(format: "\\u%04x", $0) }.joined() + "\""
        }
        switch value {
        case .null, .bool, .number: return space + value.text + space
        case .string(let text): return space + quoted(text) + space
        case .array(let items): return "[" + space + items.map { loose($0, using: &generator) }.joined(separator: ",") + space + "]"
        case .object(let object):
            let members = object.map { space + quoted($0.key) + space + ":" + loose($0.value, using: &generator) }
            return "{" + members.joined(separator: ",") + space + "}"
        }
    }
}
