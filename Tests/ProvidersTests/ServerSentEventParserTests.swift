import Providers
import Testing

/// The event-stream reader against the format's rules: every line ending, comments, multi-line data,
/// events split anywhere between reads, an event cut off by the end dropped, and a bound on size.
@Suite struct ServerSentEventParserTests {
    @Test func linesEndInLFCRLFOrCRAndDataLinesJoin() throws {
        var parser = ServerSentEventParser()
        let stream = ": a comment\r\nevent: delta\r\ndata: one\rdata:two\n\ndata: {\"a\": 1}\n\nid: 7\nretry: 10\n\n"
        let events = try parser.feed(Array(stream.utf8))
        #expect(events == [.init(name: "delta", data: "one\ntwo"), .init(name: "message", data: "{\"a\": 1}")])
    }

    @Test func anEventSplitAtEveryByteReadsTheSame() throws {
        let stream = Array("event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\ndata: [DONE]\r\n\r\n".utf8)
        var whole = ServerSentEventParser()
        let expected = try whole.feed(stream)
        #expect(expected.count == 2)
        var parser = ServerSentEventParser()
        var events: [ServerSentEventParser.Event] = []
        for byte in stream { events += try parser.feed([byte]) }
        #expect(events == expected)
    }

    @Test func anEventWithoutItsBlankLineIsNotDispatchedAndAnEndlessOneIsRefused() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: partial\n".utf8)).isEmpty)
        var small = ServerSentEventParser(maximumEventBytes: 64)
        #expect(throws: ServerSentEventParser.TooLarge.self) { _ = try small.feed(Array(("data: " + String(repeating: "x", count: 100)).utf8)) }
    }
}
