@testable import API
import Foundation
import Jobs
import Platform
import ServerSupport
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

@Suite struct ResponseEncoderTests {
    struct View: Encodable {
        let jobID: String
        let p95LatencyMS: Int
        let createdAt: Date
        let arguments: JSONValue
        let countsByName: [String: Int]
    }

    /// Views get snake_case keys from the encoder, while the caller's own JSON and keys that are
    /// data (names, states) come back exactly as they were spelt.
    @Test func responsesAreSnakeCaseButUserJSONKeepsItsKeys() throws {
        let arguments = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"camelCase": {"innerKey": [1]}, "snake_key": true}"#.utf8))
        let view = View(jobID: "j", p95LatencyMS: 12, createdAt: Date(timeIntervalSince1970: 0), arguments: arguments,
                        countsByName: ["sendEmail": 2])
        let data = try JSONEncoder.api.encode(view)
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["job_id", "p95_latency_ms", "created_at", "arguments", "counts_by_name"])
        #expect(object["created_at"] as? String == "1970-01-01T00:00:00Z")
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONSerialization.data(withJSONObject: object["arguments"]!)) == arguments)
        #expect((object["counts_by_name"] as? [String: Int]) == ["sendEmail": 2])
    }
}
