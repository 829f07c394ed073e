import Providers
import Testing

/// The voice webhook's TwiML: well-formed, escaped, and in the assistant's language and voice.
struct TwiMLTests {
    @Test func theGreetingIsEscapedAndSpokenInTheAssistantsLanguageAndVoice() {
        let twiml = TwiML.greeting("Tom & Jerry's <shop> \u{7}", language: "de-DE", voice: TwiML.voice(provider: "google", id: "de-DE-Neural2-B"),
                                   stream: nil)
        #expect(twiml == """
            <?xml version="1.0" encoding="UTF-8"?><Response><Say language="de-DE" voice="Google.de-DE-Neural2-B">\
            Tom &amp; Jerry&apos;s &lt;shop&gt; </Say><Hangup/></Response>
            """)
    }

    @Test func withAMediaStreamTheCallIsConnectedToIt() {
        let twiml = TwiML.greeting("", language: "en-US", voice: TwiML.voice(provider: "elevenlabs", id: "x"),
                                   stream: TwiML.StreamTarget(url: "wss://media.example.test/stream?a=1&b=2", parameters: [("call_id", "c\"1")]))
        #expect(twiml == """
            <?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://media.example.test/stream?a=1&amp;b=2">\
            <Parameter name="call_id" value="c&quot;1"/></Stream></Connect></Response>
            """)
    }

    @Test func refusalsAreRejectsOrSpokenNotices() {
        #expect(TwiML.reject(reason: "busy") == #"<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>"#)
        #expect(TwiML.unavailable("Not in service.")
                == #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Not in service.</Say><Hangup/></Response>"#)
    }
}
