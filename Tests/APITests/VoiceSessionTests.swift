@testable import API
import Audio
import Foundation
import Platform
import PostgresNIO
import Providers
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

        var marks: [String] {
            sent.withLock { $0.compactMap { if case .mark(let name) = $0 { name } else { nil } } }
        }
        var audioBytes: Int {
            sent.withLock { $0.reduce(0) { if case .media(let bytes) = $1 { $0 + bytes.count } else { $0 } } }
        }
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

    static func media(speech: Bool, index: Int) -> MediaStreamEvent {
        .media(track: "inbound", payload: frame(speech: speech, index: index), timestamp: 20 * index)
    }

    @Test func aStreamedCallListensAnswersSpeaksAndCanBeInterrupted() async throws {
        let model = LanguageModelStandIn()
        model.script(.text("We open at nine. See you then!"))
        let speech = SpeechStandIn()
        speech.transcribe("When do you open?")
        try await speech.run { speechBase in
            try await ConversationTests.call(model: model) { call, model in
                let api = call.api
                let callID = try #require(UUID(uuidString: call.callID))
                let logger = api.logger
                let assistantID = try #require(UUID(uuidString: call.assistantID))
                let record = try await api.database.withConnection { connection in
                    try await AssistantStore.assistant(workspaceID: call.workspace, id: assistantID, on: connection, logger: logger)
                }
                let settings = try #require(record?.settings)
                let voice = OpenAISpeechClient(baseURL: speechBase + "/v1", apiKey: nil, model: "tts-1")
                let services = VoiceSession.Services(
                    conversations: ConversationService(client: api.database, engine: api.services.configuration.providers.conversationEngine),
                    transcriber: UtteranceTranscriber(client: TranscriptionClient(configuration: .init(baseURL: speechBase, apiKey: nil))),
                    voices: Voices(synthesizers: [settings.voiceProvider: voice]))
                let line = Line()
                let session = VoiceSession(callID: callID, assistant: settings, services: services, logger: logger,
                                           send: { command in line.sent.withLock { $0.append(command) } },
                                           hangUp: { line.hungUp.withLock { $0 = true } })

                try await session.handle(MediaStreamEvent(json: """
                    {"event":"start","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"\(call.sid)","tracks":["inbound"],
                    "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}
                    """))
                try await Self.wait("the greeting's mark") { line.marks == ["t0-s0"] }
                let greeting = try #require(speech.received.last)
                #expect(greeting.json["input"] as? String == settings.firstMessage && greeting.json["response_format"] as? String == "pcm")
                // 60 ms a character at 24 kHz comes out as 8 kHz μ-law: one byte a sample.
                #expect(abs(line.audioBytes - 8 * 60 * settings.firstMessage.count) <= 2, "\(line.audioBytes) bytes of greeting")
                await session.handle(.mark(name: "t0-s0"))
                #expect(await session.heard[0] == [settings.firstMessage])
                try await Self.wait("the greeting to end") { await !session.isSpeaking }

                // Twilio streams the line from the start: quiet while the greeting plays, then a second of
                // speech, then quiet until the utterance ends.
                for (frames, speaking) in [(25, false), (50, true), (40, false)] {
                    for index in 0..<frames { await session.handle(Self.media(speech: speaking, index: index)) }
                }
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
                #expect(line.cleared, "Twilio's queued audio is cleared")
                #expect(await session.interruptions == 1)
                await session.handle(.mark(name: "t1-s1"))
                #expect(await session.heard[1] == ["We open at nine."], "a mark echoed after clear was not heard")
                await session.handle(.stop)
                #expect(await !session.isSpeaking)
                #expect(!line.hungUp.withLock { $0 })
            }
        }
    }
}
