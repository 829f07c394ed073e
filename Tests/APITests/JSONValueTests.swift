@testable import API
import Foundation
import Jobs
import Platform
import Testing

@Suite struct JSONValueTests {
    @Test(arguments: [
        #"{"a": "plain"}"#,
        #"{"quote": "say \"hi\"", "backslash": "C:\\path", "newline": "a\nb\tc\r", "bell": "\u0007", "escape": "\u001b[0m"}"#,
        #"{"unicode": "Grüße, 東京, 🎉", "slash": "a/b"}"#,
        #"{"numbers": [0, -1, 1.5, 1e-7, 123456789012, 3.141592653589793], "flags": [true, false, null]}"#,
        #"{"nested": {"z": 1, "a": {"deep": [[], {}]}}}"#,
    ])
    func textRoundTripsThroughAJSONParser(_ input: String) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(input.utf8))
        let text = value.text
        let reparsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(reparsed == value, "\(text)")
        // An independent parser agrees too.
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
        let original = try JSONSerialization.jsonObject(with: Data(input.utf8)) as? NSDictionary
        #expect(foundation == original, "\(text)")
    }
}
