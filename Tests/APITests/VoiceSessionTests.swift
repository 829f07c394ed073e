@testable import API
import Audio
import HTTPTypes
import HummingbirdWSClient
import Foundation
import Platform
import PostgresNIO
import Providers
import ServerSupport
import Synchronization
import Testing
import TestSupport

/// A call over a media stream, driven as Twilio drives it: the greeting in the assistant's voice,
/// the caller's speech found, transcribed and answered by the model, the reply spoken sentence by
/// sentence with marks, and the caller interrupting the assistant.
@Suite(.timeLimit(.minutes(2))) struct VoiceSessionTests {
    final class Line: Sendable {
        let sent = Mutex<[MediaStreamCommand]>([])
        let hungUp = Mutex(false)
        let transferredTo = Mutex<String?>(nil)

        var marks: [String] {
            sent.withLock { $0.compactMap { if case .mark(let name) = $0 { name } else { nil } } }
        }
        var frames: [[UInt8]] {
            sent.withLock { $0.compactMap { if case .media(let bytes) = $0 { bytes } else { nil } } }
        }
        var audioBytes: Int { frames.reduce(0) { $0 + $1.count } }
        var cleared: Bool { sent.withLock { $0.contains(.clear) } }
    }

    static func wait(_ what: String, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while await !condition() {
            try #require(ContinuousClock.now < deadline, "waited in vain for \(what)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// 20 ms of μ-law: a loud 300 Hz voice, or the line's silence.
    static func frame(speech: Bool, index: Int) -> [UInt8] {
        guard speech else { return [UInt8](repeating: 0xFF, count: 160) }
        return MuLaw.encode((0..<160).map { Int16(9_000 * sin(2 * Double.pi * 300 * Double(index * 160 + $0) / 8_000)) })
    }

    /// A session for `call` as the API would make it, its voice and speech to text at the speech
    /// stand-in (with ElevenLabs beside OpenAI when `fallbackVoice`), sending to `line`; with the
    /// assistant's settings (after `adjust`).
    static func session(_ call: ConversationTests.Call, speechBase: String, streamSID: String, line: Line, fallbackVoice: Bool = false,
                        adjust: (inout AssistantSettings) -> Void = { _ in }) async throws -> (VoiceSession, AssistantSettings) {
        let api = call.api
        let logger = api.logger
        let assistantID = try #require(UUID(uuidString: call.assistantID))
        let record = try await api.database.withConnection { connection in
            try await AssistantStore.assistant(workspaceID: call.workspace, id: assistantID, on: connection, logger: logger)
        }
        var settings = try #require(record?.settings)
        adjust(&settings)
        if fallbackVoice { settings.voiceProvider = "openai" }
        var synthesizers: [String: any SpeechSynthesizer] = [settings.voiceProvider: OpenAISpeechClient(baseURL: speechBase + "/v1", apiKey: nil,
                                                                                                        model: "tts-1")]
        if fallbackVoice { synthesizers["elevenlabs"] = ElevenLabsSpeechClient(baseURL: speechBase, apiKey: "xi-test") }
        let services = VoiceSession.Services(
            conversations: ConversationService(client: api.database, engine: api.services.configuration.providers.conversationEngine),
            recognizer: UtteranceTranscriber(client: TranscriptionClient(configuration: .init(baseURL: speechBase, apiKey: nil))),
            voices: Voices(synthesizers: synthesizers))
        let session = VoiceSession(callID: try #require(UUID(uuidString: call.callID)), streamSID: streamSID, assistant: settings,
                                   services: services, logger: logger,
                                   send: { command in line.sent.withLock { $0.append(command) } },
                                   hangUp: { line.hungUp.withLock { $0 = true } },
                                   transfer: { number in
            line.transferredTo.withLock { $0 = number }
            return true
        })
        return (session, settings)
    }

    static func media(speech: Bool, index: Int) -> MediaStreamEvent {
        .media(track: "inbound", payload: frame(speech: speech, index: index), timestamp: 20 * index)
    }

    @Test func theStreamTransportNeedsAVoiceAndSpeechToText() throws {
        func providers(_ values: [String: String]) throws -> PlatformProviders { try PlatformProviders(environment: Environment(values)) }
        #expect(try providers([:]).transport == .gather)
        #expect(throws: ConfigurationError.self) { try providers(["CONVERSATION_TRANSPORT": "smoke-signals"]) }
        #expect(throws: ConfigurationError.self) { try providers(["CONVERSATION_TRANSPORT": "stream", "TRANSCRIPTION_API_KEY": "sk"]) }
        #expect(throws: ConfigurationError.self) { try providers(["CONVERSATION_TRANSPORT": "stream", "ELEVENLABS_API_KEY": "xi"]) }
        let streamed = try providers(["CONVERSATION_TRANSPORT": "stream", "ELEVENLABS_API_KEY": "xi", "TRANSCRIPTION_API_KEY": "sk"])
        #expect(streamed.transport == .stream && streamed.voices.synthesizer(for: "elevenlabs") != nil)
    }

    @Test func aStreamedCallListensAnswersSpeaksAndCanBeInterrupted() async throws {
        let model = LanguageModelStandIn()
        // The model's stream stays open after its first sentence until that sentence is being spoken.
        let gate = LanguageModelStandIn.Gate()
        model.script(.gated(first: "We open at nine. ", rest: "See you then!", gate: gate))
        let speech = SpeechStandIn()
        speech.transcribe("When do you open?")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model) { call, model in
                let api = call.api
                let callID = try #require(UUID(uuidString: call.callID))
                let logger = api.logger
                let line = Line()
                let (session, settings) = try await Self.session(call, speechBase: speechBase, streamSID: "MZ1", line: line)

                try await session.handle(MediaStreamEvent(json: """
                    {"event":"start","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"\(call.sid)","tracks":["inbound"],
                    "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}
                    """))
                try await Self.wait("the greeting's mark") { line.marks == ["t0-s0"] }
                let greeting = try #require(speech.received.last)
                #expect(greeting.json["input"] as? String == settings.firstMessage && greeting.json["response_format"] as? String == "pcm")
                // 60 ms a character at 24 kHz comes out as 8 kHz μ-law, one byte a sample, in 20 ms frames
                // (the last one padded with the line's silence).
                #expect(line.frames.allSatisfy { $0.count == 160 })
                let expected = 8 * 60 * settings.firstMessage.count
                #expect(line.audioBytes >= expected - 2 && line.audioBytes < expected + 160, "\(line.audioBytes) bytes of greeting")
                await session.handle(.mark(name: "t0-s0"))
                #expect(await session.heard[0] == [settings.firstMessage])
                try await Self.wait("the greeting to end") { await !session.isSpeaking }

                // Twilio streams the line from the start: quiet while the greeting plays, then a second of
                // speech, then quiet until the utterance ends.
                for (frames, speaking) in [(25, false), (50, true), (40, false)] {
                    for index in 0..<frames { await session.handle(Self.media(speech: speaking, index: index)) }
                }
                try await Self.wait("the first sentence spoken while the model still writes") {
                    speech.received.contains { $0.json["input"] as? String == "We open at nine." }
                }
                gate.open()
                try await Self.wait("the reply's two sentences") { line.marks == ["t0-s0", "t1-s0", "t1-s1"] }
                let requests = speech.received
                let upload = try #require(requests.first { $0.path == "/v1/audio/transcriptions" })
                #expect(upload.text.contains("RIFF") && upload.text.contains("WAVE") && upload.text.contains("name=\"language\""))
                #expect(requests.compactMap { $0.json["input"] as? String }.suffix(2) == ["We open at nine.", "See you then!"])
                let asked = try #require(model.received.last?.json["messages"] as? [[String: Any]])
                #expect(asked.last?["content"] as? String == "When do you open?")
                let stored = try await call.turns()
                #expect(stored.map(\.caller) == ["When do you open?"] && stored.first?.assistant == "We open at nine. See you then!")

                // The first sentence played; the caller talks over the second.
                await session.handle(.mark(name: "t1-s0"))
                for index in 0..<30 { await session.handle(Self.media(speech: true, index: index)) }
                try await Self.wait("Twilio's queued audio to be cleared") { line.cleared }
                #expect(await session.interruptions == 1)
                await session.handle(.mark(name: "t1-s1"))
                #expect(await session.heard[1] == ["We open at nine."], "a mark echoed after clear was not heard")
                try await Self.wait("the interruption recorded on the turn") {
                    let rows = try? await api.database.query("""
                        SELECT t.heard_text FROM conversation_turns t JOIN conversations c ON c.id = t.conversation_id
                        WHERE c.call_id = \(callID) AND t.interrupted
                        """, logger: logger)
                    guard let rows else { return false }
                    var heard: [String?] = []
                    do {
                        for try await text in rows.decode(String?.self) { heard.append(text) }
                    } catch {
                        return false
                    }
                    return heard == ["We open at nine."]
                }
                await session.handle(.stop)
                #expect(await !session.isSpeaking)
                #expect(!line.hungUp.withLock { $0 })
            }
        }
    }

    /// A line that stays quiet: after `silence_timeout_ms` the assistant re-prompts once, after another
    /// it says goodbye and ends the call, and no model is asked.
    @Test func aSilentLineIsRepromptedThenToldGoodbye() async throws {
        let model = LanguageModelStandIn()
        let speech = SpeechStandIn()
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model) { call, model in
                let lines = call.api.services.configuration.providers.conversations
                let line = Line()
                let (session, settings) = try await Self.session(call, speechBase: speechBase, streamSID: "MZ-quiet", line: line) {
                    $0.silenceTimeoutMS = 600
                }
                try await session.handle(MediaStreamEvent(json: Self.start(sid: call.sid, token: nil)))
                for mark in ["t0-s0", "t1-s0", "t2-s0"] {
                    try await Self.wait("mark \(mark)") { line.marks.contains(mark) }
                    await session.handle(.mark(name: mark))
                }
                try await Self.wait("the hang-up") { line.hungUp.withLock { $0 } }
                let spoken = speech.received.compactMap { $0.json["input"] as? String }
                #expect(spoken == [settings.firstMessage, lines.repromptLine, lines.goodbyeLine])
                #expect(try await call.turns().map(\.outcome) == ["no_input", "no_input"])
                #expect(model.received.isEmpty)
                await session.end()
            }
        }
    }

    /// A fake Twilio on the stream: it sends what Twilio sends and keeps what the API answers.
    final class FakeTwilio: Sendable {
        let received = Mutex<[MediaStreamEvent.Start?]>([])
        let messages = Mutex<[String]>([])

        var marks: [String] {
            messages.withLock { $0.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
                .compactMap { ($0["mark"] as? [String: Any])?["name"] as? String } }
        }
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func start(sid: String, token: String?) -> String {
        json(["event": "start", "sequenceNumber": "1", "streamSid": "MZ-test", "start": [
            "accountSid": TwilioStandIn.accountSID, "streamSid": "MZ-test", "callSid": sid, "tracks": ["inbound"],
            "mediaFormat": ["encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1],
            "customParameters": token.map { ["token": $0] } ?? [:],
        ] as [String: Any]])
    }

    static func mediaJSON(speech: Bool, index: Int) -> String {
        json(["event": "media", "streamSid": "MZ-test", "media": ["track": "inbound", "chunk": String(index + 1), "timestamp": String(20 * index),
                                                                 "payload": Data(frame(speech: speech, index: index)).base64EncodedString()]])
    }

    /// The voice webhook of the stream transport connects the call to this API's stream with a sealed
    /// token; Twilio attaching with it hears the greeting and talks; a forged signature, a missing or
    /// altered token and another call's SID are turned away before anything is said.
    @Test func twilioAttachesToTheCallsStreamAndOthersAreTurnedAway() async throws {
        let model = LanguageModelStandIn()
        model.script(.text("We open at nine."))
        let speech = SpeechStandIn()
        speech.transcribe("When do you open?")
        try await speech.run { speechBase in
            let environment = ["CONVERSATION_TRANSPORT": "stream", "TRANSCRIPTION_BASE_URL": speechBase, "OPENAI_TTS_BASE_URL": speechBase + "/v1",
                               "ELEVENLABS_API_KEY": "xi-test", "ELEVENLABS_BASE_URL": speechBase]
            try await ConversationTests.call(model: model, environment: environment) { call, model in
                #expect(!call.greeting.contains("<Say"), "the assistant greets in its own voice: \(call.greeting)")
                let match = try #require(call.greeting.firstMatch(of: /<Stream url="([^"]+)"><Parameter name="token" value="([^"]+)"\/>/),
                                         "\(call.greeting)")
                let (url, token) = (String(match.1), String(match.2))
                #expect(url == "wss://voice.example.test/media-streams/twilio")
                let port = try #require(call.api.http.port)
                let signature = TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: url, parameters: [])

                func attach(signature: String?, start: String, talk: Bool) async throws -> FakeTwilio {
                    let twilio = FakeTwilio()
                    var headers = HTTPFields()
                    if let signature { headers[HTTPField.Name("X-Twilio-Signature")!] = signature }
                    let address = "ws://127.0.0.1:\(port)/media-streams/twilio"
                    try await WebSocketClient.connect(url: address, configuration: .init(additionalHeaders: headers),
                                                      logger: call.api.logger) { inbound, outbound, _ in
                        try await outbound.write(.text(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#))
                        try await outbound.write(.text(start))
                        var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        func until(_ mark: String) async throws {
                            while let message = try await iterator.next() {
                                guard case .text(let text) = message else { continue }
                                twilio.messages.withLock { $0.append(text) }
                                if twilio.marks.contains(mark) { return }
                            }
                        }
                        guard talk else {
                            while let message = try await iterator.next() {
                                if case .text(let text) = message { twilio.messages.withLock { $0.append(text) } }
                            }
                            return
                        }
                        try await until("t0-s0")
                        try await outbound.write(.text(Self.json(["event": "mark", "streamSid": "MZ-test", "mark": ["name": "t0-s0"]])))
                        for (frames, speaking) in [(25, false), (50, true), (40, false)] {
                            for index in 0..<frames { try await outbound.write(.text(Self.mediaJSON(speech: speaking, index: index))) }
                        }
                        try await until("t1-s0")
                        try await outbound.write(.text(Self.json(["event": "stop", "streamSid": "MZ-test", "stop": ["callSid": call.sid]])))
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    return twilio
                }

                // Strangers first: nothing is said to them and nothing is asked of a model.
                for forged in ["forged", nil] {
                    await #expect(throws: (any Error).self, "signature \(forged ?? "none")") {
                        _ = try await attach(signature: forged, start: Self.start(sid: call.sid, token: token), talk: false)
                    }
                }
                for start in [Self.start(sid: call.sid, token: nil), Self.start(sid: call.sid, token: token + "x"),
                              Self.start(sid: "CA-someone-else", token: token)] {
                    let turnedAway = try await attach(signature: signature, start: start, talk: false)
                    #expect(turnedAway.messages.withLock { $0.isEmpty }, "\(start)")
                }
                #expect(speech.received.isEmpty && model.received.isEmpty)

                let twilio = try await attach(signature: signature, start: Self.start(sid: call.sid, token: token), talk: true)
                #expect(twilio.marks == ["t0-s0", "t1-s0"])
                let requests = speech.received
                let greeted = requests.first?.path ?? ""
                #expect(greeted.hasPrefix("/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream"), "the greeting in ElevenLabs' default voice")
                #expect(requests.contains { $0.path == "/v1/audio/transcriptions" })
                #expect(try await call.turns().map(\.caller) == ["When do you open?"])
                #expect(model.received.count == 1)
            }
        }
    }
}
