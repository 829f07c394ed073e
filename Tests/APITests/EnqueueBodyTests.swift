@testable import API
import Foundation
import ServerSupport
import Testing

/// The enqueue body read from the parser's members is the body the decoder reads, and every body the
/// members do not settle exactly goes to the decoder.
@Suite struct EnqueueBodyTests {
    typealias Body = JobRoutes.EnqueueBody

    static func fromMembers(_ text: String) -> Body? {
        Array(text.utf8).withUnsafeBytes(JSONParser.members).flatMap(Body.init(members:))
    }

    @Test(arguments: [
        #"{"kind":"platform.canary"}"#,
        #"{"kind":"platform.canary","args":{}}"#,
        #"{"args":{"a":[1,2.5,"x",null,{"b":false}]},"kind":"tools.invoke"}"#,
        #"{"kind":"k","args":null,"priority":null,"tags":null,"max_attempts":null,"delay_seconds":null}"#,
        #"{"kind":"k","priority":-32768,"max_attempts":25,"delay_seconds":1.5e2,"tags":["a","b"]}"#,
        #"{"kind":"k","priority":32767,"max_attempts":-0,"delay_seconds":0,"tags":[]}"#,
        #"{"kind":"k","args":"not an object","max_attempts":999999999999999}"#,
        #" { "kind" : "\u006b\ud83d\ude00" , "args" : [ ] } "#,
    ])
    func readsWhatTheDecoderReads(_ text: String) throws {
        let parsed = try #require(Self.fromMembers(text), "members declined \(text)")
        #expect(parsed == (try JSONDecoder.api.decode(Body.self, from: Data(text.utf8))))
    }

    /// Bodies with a field that has checks of its own (`run_at`), an integer written as a fraction
    /// or exponent or out of range, a mistyped or missing field, or an unknown key.
    @Test(arguments: [
        #"{"kind":"k","run_at":"2026-11-25T10:00:00Z"}"#,
        #"{"kind":"k","priority":1.0}"#, #"{"kind":"k","priority":1e1}"#, #"{"kind":"k","priority":32768}"#,
        #"{"kind":"k","max_attempts":2.5}"#, #"{"kind":"k","max_attempts":1000000000000000}"#,
        #"{"kind":"k","delay_seconds":1e-400}"#, #"{"kind":"k","args":{"x":1e-400}}"#,
        #"{"kind":"k","tags":["a",1]}"#, #"{"kind":"k","tags":"a"}"#, #"{"kind":"k","delay_seconds":"1"}"#,
        #"{"kind":1}"#, #"{"kind":null}"#, #"{"args":{}}"#, #"{"kind":"k","extra":1}"#, #"{"kind":"k","kind":"j"}"#, "[]", "{",
    ])
    func leavesTheRestToTheDecoder(_ text: String) {
        #expect(Self.fromMembers(text) == nil, "\(text)")
    }
}
