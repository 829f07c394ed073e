import Foundation
import Providers
import Testing

@Suite struct MediaStreamMessageTests {
    /// Twilio's documented messages, counters as strings, parse into events.
    @Test func parsesWhatTwilioSends() throws {
        #expect(try MediaStreamEvent(json: #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#) == .connected)
        let start = try MediaStreamEvent(json: """
            {"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"token":"t0k"}},"streamSid":"MZ1"}
            """)
        guard case .start(let details) = start else {
            Issue.record("\(start)")
            return
        }
        #expect(details.streamSID == "MZ1" && details.callSID == "CA1" && details.accountSID == "AC1")
        #expect(details.parameters == ["token": "t0k"] && details.sampleRate == 8_000 && details.encoding == "audio/x-mulaw")
        let payload: [UInt8] = [0xFF, 0x7F, 0x00, 0x80]
        let media = try MediaStreamEvent(json: """
            {"event":"media","sequenceNumber":"4",
            "media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"\(Data(payload).base64EncodedString())"},"streamSid":"MZ1"}
            """)
        #expect(media == .media(track: "inbound", payload: payload, timestamp: 40))
        #expect(try MediaStreamEvent(json: #"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"7"}}"#)
            == .dtmf(digit: "7"))
        #expect(try MediaStreamEvent(json: #"{"event":"mark","sequenceNumber":"6","streamSid":"MZ1","mark":{"name":"s-1"}}"#) == .mark(name: "s-1"))
        #expect(try MediaStreamEvent(json: #"{"event":"stop","sequenceNumber":"7","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#)
            == .stop)
        #expect(try MediaStreamEvent(json: #"{"event":"future","streamSid":"MZ1"}"#) == .other("future"))
    }

    @Test func refusesWhatIsNotAMessage() {
        for text in ["", "not json", #"{"no":"event"}"#, #"{"event":"media","media":{"payload":"%%%"}}"#, #"{"event":"start"}"#,
                     #"{"event":"mark"}"#] {
            #expect(throws: MediaStreamEvent.Malformed.self, "\(text)") { try MediaStreamEvent(json: text) }
        }
    }

    /// The commands are the three shapes Twilio accepts, with the stream's id and raw base64 audio.
    @Test func writesWhatTwilioAccepts() throws {
        func object(_ text: String) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let media = try object(MediaStreamCommand.media([0xFF, 0x00]).json(streamSID: "MZ\"1"))
        #expect(media["event"] as? String == "media" && media["streamSid"] as? String == "MZ\"1")
        #expect((media["media"] as? [String: Any])?["payload"] as? String == "/wA=")
        let mark = try object(MediaStreamCommand.mark("sentence-2").json(streamSID: "MZ1"))
        #expect(mark["event"] as? String == "mark" && (mark["mark"] as? [String: Any])?["name"] as? String == "sentence-2")
        #expect(try object(MediaStreamCommand.clear.json(streamSID: "MZ1")) as NSDictionary == ["event": "clear", "streamSid": "MZ1"])
    }
}
