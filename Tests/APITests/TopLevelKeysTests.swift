@testable import API
import Foundation
import Testing

/// The quick key reader vouches only for bodies it fully understands; everything else goes to the
/// full decoder, which then gives the same answers as before the reader existed.
struct TopLevelKeysTests {
    func keys(_ text: String) -> [String]? {
        Array(text.utf8).withUnsafeBytes(TopLevelKeys.read)
    }

    @Test func readsTheKeysOfTheTopLevelOnly() {
        #expect(keys(#"{"kind":"platform.canary","args":{}}"#) == ["kind", "args"])
        #expect(keys(" {\n\t\"a\" : 1 , \"b\":[1,{\"inner\":true},\"x]}\"], \"c\":null,\"d\":-1.5e3 } ") == ["a", "b", "c", "d"])
        #expect(keys(#"{"args":{"nested":{"deeper":["}",{"k":"v"}]}},"tags":["a\"b","c\\"]}"#) == ["args", "tags"])
        #expect(keys("{}") == [])
        #expect(keys(#"{"é✓":false}"#) == ["é✓"])
        #expect(keys(#"{"a":1,"a":2}"#) == ["a", "a"])
    }

    @Test func leavesEverythingElseToTheDecoder() {
        for text in [
            "", "[]", "\"text\"", "42", "{", "{\"a\"", "{\"a\":", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
            "{\"a\":[1,2}", "{\"a\":{\"b\":1]}", "{\"a\":\"unterminated}", #"{"esc\u0061ped":1}"#, #"{"quote\"d":1}"#,
            "{\"ctrl\u{01}\":1}", "{a:1}", "{\"a\":1}}",
        ] {
            let answer = keys(text)
            // Trailing text after the object ("}}") is the decoder's to refuse; the reader reads one object.
            #expect(answer == nil || text == "{\"a\":1}}", "\(text) → \(String(describing: answer))")
        }
    }
}
