@testable import API
import Audio
import Foundation
import Platform
import Providers
import ServerSupport
import Testing
import TestSupport

/// A streamed call when the caller cuts in or a provider fails: the work in flight is cancelled at
/// the providers, a failing provider gives a fallback line and the call goes on, and a call that
/// ends leaves no task of its session running.
extension VoiceSessionTests {
    /// Twilio's start of the stream, then the greeting played to its end.
    static func greet(_ session: VoiceSession, _ call: ConversationTests.Call, line: Line) async throws {
        try await session.handle(MediaStreamEvent(json: start(sid: call.sid, token: nil)))
        try await wait("the greeting's mark") { line.marks.contains("t0-s0") }
        await session.handle(.mark(name: "t0-s0"))
        try await wait("the greeting to end") { await !session.isSpeaking }
    }

    /// Half a second of the line's quiet (Twilio streams it all along; the detector learns its
    /// background from it), a second of the caller's speech, then quiet until the utterance ends.
    static func utter(_ session: VoiceSession) async {
        for (frames, speaking) in [(25, false), (50, true), (40, false)] {
            for index in 0..<frames { await session.handle(media(speech: speaking, index: index)) }
        }
    }

    /// Plays the turn's sentences as Twilio does, echoing each mark, until the turn has ended.
    static func play(turn: Int, _ session: VoiceSession, line: Line) async throws {
        var played: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(20)
        while await session.isSpeaking || played.isEmpty {
            try #require(ContinuousClock.now < deadline, "waited in vain for the marks of turn \(turn), after \(line.marks)")
            for mark in line.marks where mark.hasPrefix("t\(turn)-") && !played.contains(mark) {
                played.insert(mark)
                await session.handle(.mark(name: mark))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aProviderFailingMidCallGivesAFallbackLineAndTheCallGoesOn() async throws {
        let model = LanguageModelStandIn()
        model.script(.text("It is on its way."), .delayed(.seconds(3), then: .init(.text("Too late."))))
        let speech = SpeechStandIn()
        speech.transcribe("Where is my order?", "Thank you.")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model, environment: ["LLM_TIMEOUT_MS": "500"]) { call, model in
                let fallback = call.api.services.configuration.providers.conversations.fallbackLine
                let callID = try #require(UUID(uuidString: call.callID))
                let line = Line()
                let (session, _) = try await Self.session(call, speechBase: speechBase, streamSID: "MZ-failing", line: line, fallbackVoice: true)
                try await Self.greet(session, call, line: line)

                // Speech to text fails: the caller is asked to say it again.
                speech.behave(.fail(status: 500, message: "the recogniser is down"), on: .transcription)
                await Self.utter(session)
                try await Self.play(turn: 1, session, line: line)
                // The assistant's voice fails: the sentence is spoken in the other provider's.
                speech.behave(.fail(status: 503, message: "overloaded"), on: .openAISpeech)
                await Self.utter(session)
                try await Self.play(turn: 2, session, line: line)
                // The model does not answer in time: the fallback line again.
                await Self.utter(session)
                try await Self.play(turn: 3, session, line: line)

                let spoken = speech.received.filter { !$0.path.hasSuffix("/transcriptions") }.map { request in
                    "\(request.path.hasPrefix("/v1/text-to-speech/") ? "elevenlabs" : "openai"): "
                        + (request.json["input"] as? String ?? request.json["text"] as? String ?? "")
                }
                let fallbackSpoken = SentenceSplitter.all(of: fallback).map { "openai: \($0)" }
                #expect(Array(spoken.dropFirst()) == fallbackSpoken + ["openai: It is on its way.", "elevenlabs: It is on its way."] + fallbackSpoken)
                let turns = try await call.turns()
                #expect(turns.map(\.outcome) == ["failed", "ok", "failed"])
                #expect(turns.first?.reason?.hasPrefix("speech_to_text:") == true, "\(turns.first?.reason ?? "")")
                #expect(turns.map(\.caller) == [nil, "Where is my order?", "Thank you."])
                #expect(turns.map(\.assistant) == [fallback, "It is on its way.", fallback])

                // The answered turn's stages were measured; its voice to voice holds the others.
                let transcript = try await call.api.call(.get, "/api/calls/\(call.callID)/transcript", as: call.owner.bearer, headers: call.header)
                let answered = try #require(transcript["turns"]?.array?.dropFirst().first, "\(transcript.body.text)")
                let transcription = try #require(answered["transcription_ms"]?.number)
                let firstAudio = try #require(answered["first_audio_ms"]?.number)
                let voiceToVoice = try #require(answered["voice_to_voice_ms"]?.number)
                #expect(voiceToVoice >= transcription && voiceToVoice >= firstAudio, "\(answered)")

                await session.end()
                try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                #expect(!line.hungUp.withLock { $0 })
            }
        }
    }

    /// Between two sentences of a reply (the first played, the model still writing the next) nothing
    /// plays, yet the turn runs: the caller talking then interrupts it rather than starting a second
    /// turn beside it, and only the new turn is answered.
    @Test func callerSpeechWhileTheModelStillWritesInterruptsTheTurn() async throws {
        let model = LanguageModelStandIn()
        let gate = LanguageModelStandIn.Gate()
        model.script(.gated(first: "Let me see. ", rest: "It ships tomorrow.", gate: gate), .text("Yes, I am here."))
        let speech = SpeechStandIn()
        speech.transcribe("Where is my order?", "Hello, are you there?")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model) { call, model in
                let callID = try #require(UUID(uuidString: call.callID))
                let line = Line()
                let (session, _) = try await Self.session(call, speechBase: speechBase, streamSID: "MZ-gap", line: line)
                try await Self.greet(session, call, line: line)
                await Self.utter(session)
                try await Self.wait("the first sentence") { line.marks.contains("t1-s0") }
                await session.handle(.mark(name: "t1-s0"))
                #expect(await session.isSpeaking, "the turn still runs while nothing plays")
                await Self.utter(session)
                try await Self.wait("the model's stream to be cancelled") { model.cancelled == 1 }
                try await Self.play(turn: 2, session, line: line)
                gate.open()
                let transcript = try await call.api.call(.get, "/api/calls/\(call.callID)/transcript", as: call.owner.bearer, headers: call.header)
                let turns = try #require(transcript["turns"]?.array, "\(transcript.body.text)")
                #expect(turns.map { $0["caller_text"]?.string } == ["Where is my order?", "Hello, are you there?"])
                #expect(turns.first?["interrupted"]?.bool == true && turns.first?["heard_text"]?.string == "Let me see.", "\(transcript.body.text)")
                #expect(turns.last?["assistant_text"]?.string == "Yes, I am here.")
                #expect(!line.marks.contains("t1-s1"), "nothing more of the first turn is said")
                await session.end()
                try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
            }
        }
    }

    /// The caller talks 300 ms into a long reply the voice is still synthesising while the model is
    /// still writing: Twilio's audio is cleared, both requests are cancelled at the stand-ins, the
    /// interruption is recorded, and the next turn answers the new words.
    @Test func bargingInCancelsTheModelAndTheVoiceInFlight() async throws {
        let model = LanguageModelStandIn()
        let gate = LanguageModelStandIn.Gate()
        let long = "Our opening hours are a long story that starts on Monday morning and goes on for quite a while. "
        model.script(.gated(first: long, rest: "Then there is Tuesday.", gate: gate), .text("Yes, on Saturday too."))
        let speech = SpeechStandIn()
        speech.transcribe("When are you open?", "Are you open on Saturday?")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model) { call, model in
                let callID = try #require(UUID(uuidString: call.callID))
                let line = Line()
                let (session, _) = try await Self.session(call, speechBase: speechBase, streamSID: "MZ-barge", line: line)
                try await Self.greet(session, call, line: line)

                speech.behave(.paced(.milliseconds(200)), on: .openAISpeech)
                await Self.utter(session)
                let greeting = line.audioBytes
                try await Self.wait("the long reply to start playing") { line.audioBytes > greeting }
                try await Task.sleep(for: .milliseconds(300))
                #expect(!line.cleared)
                for index in 0..<50 { await session.handle(Self.media(speech: true, index: index)) }
                try await Self.wait("Twilio's queued audio to be cleared") { line.cleared }
                try await Self.wait("the model's stream to be cancelled") { model.cancelled == 1 }
                try await Self.wait("the voice's request to be cancelled") { speech.cancelled == ["/v1/audio/speech"] }
                let clearedAt = line.sent.withLock { $0.count }
                for index in 0..<40 { await session.handle(Self.media(speech: false, index: index)) }

                try await Self.wait("the next turn's answer") { line.marks.contains("t2-s0") }
                let after = line.sent.withLock { Array($0[clearedAt...]) }
                #expect(!after.contains { if case .mark(let name) = $0 { name.hasPrefix("t1-") } else { false } }, "no audio of the cut turn")
                let asked = try #require(model.received.last?.json["messages"] as? [[String: Any]])
                #expect(asked.last?["content"] as? String == "Are you open on Saturday?", "\(asked)")
                let transcript = try await call.api.call(.get, "/api/calls/\(call.callID)/transcript", as: call.owner.bearer, headers: call.header)
                let turns = try #require(transcript["turns"]?.array, "\(transcript.body.text)")
                #expect(turns.map { $0["caller_text"]?.string } == ["When are you open?", "Are you open on Saturday?"])
                #expect(turns.map { $0["interrupted"]?.bool } == [true, false], "\(transcript.body.text)")
                // What the model had written when the caller cut in is stored, and that they heard none of it.
                #expect(turns.first?["assistant_text"]?.string == long.trimmingCharacters(in: .whitespaces))
                #expect(turns.first?["heard_text"]?.string == "")
                #expect(turns.last?["assistant_text"]?.string == "Yes, on Saturday too.")
                #expect(await session.interruptions == 1)
                await session.handle(.stop)
                try await Self.wait("the session's tasks to end") { VoiceTasks.count(callID: callID) == 0 }
                gate.open()
            }
        }
    }
}
