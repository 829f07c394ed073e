@testable import API
import Audio
import Foundation
import Platform
import Providers
import ServerSupport
import Testing
import TestSupport

/// Whole calls over the API's media-stream endpoint, with a simulated Twilio on a real WebSocket
/// and the speech, model and tool stand-ins behind it.
extension VoiceSessionTests {
    /// A deployment on the stream transport whose voices and speech to text are the stand-in's.
    static func streamEnvironment(_ speechBase: String) -> [String: String] {
        ["CONVERSATION_TRANSPORT": "stream", "TRANSCRIPTION_BASE_URL": speechBase, "OPENAI_TTS_BASE_URL": speechBase + "/v1",
         "ELEVENLABS_API_KEY": "xi-test", "ELEVENLABS_BASE_URL": speechBase]
    }

    /// Where the voice webhook connected the call: the API's local stream address, a valid Twilio
    /// signature for the public stream URL, and the call's sealed token.
    static func stream(of call: ConversationTests.Call) throws -> (address: String, signature: String, token: String) {
        let match = try #require(call.greeting.firstMatch(of: /<Stream url="([^"]+)"><Parameter name="token" value="([^"]+)"\/>/),
                                 "\(call.greeting)")
        let port = try #require(call.api.http.port)
        return ("ws://127.0.0.1:\(port)/media-streams/twilio",
                TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: String(match.1), parameters: []), String(match.2))
    }

    /// Upward zero crossings a second in `samples` at 8 kHz: a tone's frequency.
    static func frequency(_ samples: [Int16]) -> Double {
        let crossings = zip(samples, samples.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        return Double(crossings) * 8_000 / Double(samples.count)
    }

    @Test func aWholeStreamedCallTalksThreeTurnsCallsAToolAndHangsUp() async throws {
        let endpoint = ToolEndpointStandIn()
        try await endpoint.run { toolBase in
            let model = LanguageModelStandIn()
            model.script(.toolCalls([.init(id: "call_lookup", name: "lookup_order", argumentsJSON: #"{"order_id":"A17"}"#)]),
                         .text("Your order A17 ships tomorrow."),
                         .text("It comes by courier."),
                         .toolCalls([.init(id: "call_end", name: "end_call", argumentsJSON: #"{"reason":"done"}"#)], text: "Goodbye, and thanks!"))
            let speech = SpeechStandIn()
            speech.transcribe("Where is my order A17?", "How does it come?", "That is all, thanks.")
            try await speech.run { speechBase in
                try await ConversationTests.call(model: model, environment: Self.streamEnvironment(speechBase), toolBase: toolBase) { call, model in
                    let callID = try #require(UUID(uuidString: call.callID))
                    let (address, signature, token) = try Self.stream(of: call)
                    let start = Self.start(sid: call.sid, token: token)
                    let twilio = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: start, streamSID: "MZ-test",
                                                                        logger: call.api.logger) { line in
                        try await line.play(turn: 0, sentences: 1)
                        // The same upgrade and start replayed while the call is live: the call has its stream.
                        let replayed = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: start,
                                                                              streamSID: "MZ-replay", logger: call.api.logger) { _ in }
                        #expect(replayed.received.withLock { $0.isEmpty } && replayed.closed.withLock { $0 })
                        for turn in 1...3 {
                            try await line.utter()
                            try await line.play(turn: turn, sentences: 1)
                        }
                    }
                    #expect(twilio.closed.withLock { $0 }, "the API hung up after the goodbye played")
                    #expect(twilio.marks == ["t0-s0", "t1-s0", "t2-s0", "t3-s0"])
                    #expect(!twilio.messages.contains { $0["event"] as? String == "clear" })
                    #expect(twilio.messages.allSatisfy { $0["streamSid"] as? String == "MZ-test" })

                    // 20 ms frames of 8 kHz μ-law: ElevenLabs' 60 ms a character, the last frame of each sentence
                    // padded, and the stand-in's 440 Hz tone still at 440 Hz.
                    let spoken = ["Hello, this is the order desk.", "Your order A17 ships tomorrow.",
                                  "It comes by courier.", "Goodbye, and thanks!"]
                    let frames = twilio.frames
                    #expect(frames.allSatisfy { $0.count == 160 })
                    #expect(frames.count == spoken.reduce(0) { $0 + 3 * $1.count }, "\(frames.count) frames")
                    let greeting = frames.prefix(3 * spoken[0].count).flatMap { MuLaw.decode(Array($0)) }
                    #expect(abs(Self.frequency(greeting) - 440) < 10, "\(Self.frequency(greeting)) Hz")

                    #expect(endpoint.requests.contains("GET /echo/orders/A17"), "\(endpoint.requests)")
                    // Timings and interruptions are written by the session's own tasks after each reply is stored.
                    try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                    let turns = try await call.turns()
                    #expect(turns.map(\.caller) == ["Where is my order A17?", "How does it come?", "That is all, thanks."])
                    #expect(turns.map(\.assistant) == Array(spoken.dropFirst()))
                    #expect(JSONValue(text: turns[0].tools).array?.first?["name"]?.string == "lookup_order")
                    let transcript = try await call.api.call(.get, "/api/calls/\(call.callID)/transcript", as: call.owner.bearer,
                                                             headers: call.header)
                    let rows = try #require(transcript["turns"]?.array)
                    #expect(rows.last?["action"]?.string == "end_call" && transcript["status"]?.string == "ended", "\(transcript.body.text)")
                    #expect(rows.allSatisfy { $0["voice_to_voice_ms"]?.number != nil && $0["transcription_ms"]?.number != nil })

                    // The same token again, after the call ended: turned away before anything is said.
                    let replayed = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: start, streamSID: "MZ-test",
                                                                          logger: call.api.logger) { _ in }
                    #expect(replayed.received.withLock { $0.isEmpty } && replayed.closed.withLock { $0 })
                    #expect(model.received.count == 4 && speech.received.filter { $0.path.hasSuffix("/transcriptions") }.count == 3)
                }
            }
        }
    }

    /// `transfer_call` on a streamed call: once its words have played, Twilio is told to leave the
    /// stream for a `<Dial>` to the assistant's transfer number, and stops the stream.
    @Test func aStreamedCallIsTransferredOnceItsWordsHavePlayed() async throws {
        let model = LanguageModelStandIn()
        model.script(.toolCalls([.init(id: "call_transfer", name: "transfer_call", argumentsJSON: "{}")], text: "One moment, I am connecting you."))
        let speech = SpeechStandIn()
        speech.transcribe("Can I speak to a person?")
        let twilio = TwilioStandIn()
        try await twilio.run { twilioBase in
            try await speech.run { speechBase in
                var environment = Self.streamEnvironment(speechBase)
                environment["TWILIO_API_BASE_URL"] = twilioBase
                try await ConversationTests.call(model: model, environment: environment) { call, model in
                    twilio.answered(call.sid, to: call.number, from: "+4930765432")
                    let callID = try #require(UUID(uuidString: call.callID))
                    let (address, signature, token) = try Self.stream(of: call)
                    let start = Self.start(sid: call.sid, token: token)
                    let line = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: start, streamSID: "MZ-test",
                                                                      logger: call.api.logger) { line in
                        try await line.play(turn: 0, sentences: 1)
                        try await line.utter()
                        try await Self.wait("the transfer's words") { line.simulator.marks.contains("t1-s0") }
                        #expect(twilio.redirects.isEmpty, "not before its words have played")
                        try await line.play(turn: 1, sentences: 1)
                        try await Self.wait("Twilio to be told to dial") { !twilio.redirects.isEmpty }
                        try await line.stop(callSID: call.sid)
                        try await line.outbound.close(.normalClosure, reason: nil)
                    }
                    #expect(line.marks == ["t0-s0", "t1-s0"])
                    let redirect = try #require(twilio.redirects.first)
                    #expect(redirect.sid == call.sid && redirect.twiml.hasSuffix("<Response><Dial>+4930111222</Dial></Response>"), "\(redirect)")
                    #expect(try await call.turns().map(\.assistant) == ["One moment, I am connecting you."])
                    try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                }
            }
        }
    }

    /// With `DEEPGRAM_API_KEY` the caller is heard through Deepgram's live stream: one stream per
    /// utterance, opened as they start talking and fed every frame (16-bit PCM at 8 kHz), finalised
    /// when the utterance ends; a call that ends mid-utterance abandons its stream and leaves no task.
    @Test func aStreamedCallHearsTheCallerThroughDeepgramsLiveStream() async throws {
        let model = LanguageModelStandIn()
        model.script(.text("Your order A17 ships tomorrow."), .text("By courier."))
        let deepgram = DeepgramStandIn()
        deepgram.transcribe("Where is my order A17?", "How does it come?")
        let speech = SpeechStandIn()
        try await deepgram.run { deepgramBase in
            try await speech.run { speechBase in
                var environment = Self.streamEnvironment(speechBase)
                environment["DEEPGRAM_API_KEY"] = DeepgramStandIn.apiKey
                environment["DEEPGRAM_BASE_URL"] = deepgramBase
                try await ConversationTests.call(model: model, environment: environment) { call, model in
                    let callID = try #require(UUID(uuidString: call.callID))
                    let (address, signature, token) = try Self.stream(of: call)
                    let start = Self.start(sid: call.sid, token: token)
                    _ = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: start, streamSID: "MZ-test",
                                                               logger: call.api.logger) { line in
                        try await line.play(turn: 0, sentences: 1)
                        try await line.utter()
                        try await line.play(turn: 1, sentences: 1)
                        // Deepgram may answer Finalize with nothing: the segment then comes as the stream closes.
                        deepgram.finalizeQuietly()
                        try await line.utter()
                        try await line.play(turn: 2, sentences: 1)
                        // The caller starts a third sentence and the line drops.
                        for index in 0..<30 {
                            try await line.send(["event": "media", "streamSid": "MZ-test", "media": [
                                "track": "inbound", "payload": Data(Self.frame(speech: true, index: index)).base64EncodedString()]])
                        }
                        try await Self.wait("the third utterance's stream") { deepgram.streams.count == 3 }
                        try await line.outbound.close(.goingAway, reason: nil)
                    }
                    #expect(try await call.turns().map(\.caller) == ["Where is my order A17?", "How does it come?"])
                    #expect(!speech.received.contains { $0.path.hasSuffix("/transcriptions") }, "no utterance was uploaded")
                    let streams = deepgram.streams
                    for stream in streams.prefix(2) {
                        #expect(stream.query.contains("encoding=linear16") && stream.query.contains("sample_rate=8000")
                                && stream.query.contains("language=en") && stream.query.contains("interim_results=true"), "\(stream.query)")
                        // The utterance as the detector cut it: 13 frames of lead-in, the rest of the second of
                        // speech, and the 35 quiet frames that ended it, two bytes a sample.
                        #expect(stream.audioBytes == 2 * 160 * (13 + 47 + 35), "\(stream.audioBytes)")
                        #expect(stream.controls == [#"{"type":"Finalize"}"#, #"{"type":"CloseStream"}"#])
                    }
                    try await Self.wait("the dropped utterance's stream to be abandoned") { deepgram.streams.last?.abandoned == true }
                    try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                    #expect(model.received.count == 2)
                }
            }
        }
    }

    /// Twilio going away mid-turn (no `stop`): the model's stream is cancelled at the stand-in and
    /// no task of the call's session is left running.
    @Test func aStreamThatDisconnectsEndsItsPipeline() async throws {
        let model = LanguageModelStandIn()
        let gate = LanguageModelStandIn.Gate()
        model.script(.gated(first: "Let me see. ", rest: "It ships tomorrow.", gate: gate))
        let speech = SpeechStandIn()
        speech.transcribe("Where is my order?")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model, environment: Self.streamEnvironment(speechBase)) { call, model in
                let callID = try #require(UUID(uuidString: call.callID))
                let (address, signature, token) = try Self.stream(of: call)
                _ = try await TwilioStreamSimulator.attach(url: address, signature: signature, start: Self.start(sid: call.sid, token: token),
                                                           streamSID: "MZ-test", logger: call.api.logger) { line in
                    try await line.play(turn: 0, sentences: 1)
                    try await line.utter()
                    try await Self.wait("the model to be asked") { model.received.count == 1 }
                    try await line.outbound.close(.goingAway, reason: nil)
                }
                try await Self.wait("the model's stream to be cancelled") { model.cancelled == 1 }
                try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                gate.open()
            }
        }
    }
}
