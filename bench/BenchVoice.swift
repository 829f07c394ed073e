import Audio
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Platform
import Providers
import Synchronization
import TestSupport

/// The stream transport's own cost: a release `API` on `CONVERSATION_TRANSPORT=stream` whose speech
/// to text, language model and voice are local stand-ins of fixed latency, and simulated Twilio
/// media streams sending the caller's line in real time (a 20 ms frame every 20 ms, as Twilio does).
/// Voice to voice is the caller's last voiced frame sent to the first frame of the reply received;
/// the platform's overhead is that less the end-of-utterance silence and the stand-ins' delays.
/// Barge-in is the caller's frame that passes the interruption threshold to the `clear` received.
extension BenchSuite {
    static let voiceTranscription: Duration = .milliseconds(150)
    static let voiceFirstToken: Duration = .milliseconds(200)
    static let voiceFirstAudio: Duration = .milliseconds(100)
    static let voiceTurns = 4
    static let voiceReply = "Certainly, I can help you with that."

    func voiceToVoice(apiBinary: String) async throws -> [BenchResult] {
        let model = LanguageModelStandIn(fallback: .delayed(Self.voiceFirstToken, then: .init(.text(Self.voiceReply, pieces: 3))))
        let speech = SpeechStandIn()
        speech.transcribeAlways("I would like to know where my order is.")
        speech.behaveAlways(.delay(Self.voiceTranscription), on: .transcription)
        speech.behaveAlways(.delay(Self.voiceFirstAudio), on: .elevenLabs)
        let figures = Mutex<[BenchResult]>([])
        try await model.run { modelBase in
            try await speech.run { speechBase in
                let (api, base) = try await launchAPI(binary: apiBinary, environment: [
                    "OPENAI_BASE_URL": modelBase + "/v1", "OPENAI_API_KEY": "sk-bench", "TWILIO_ACCOUNT_SID": Self.benchAccount,
                    "TWILIO_AUTH_TOKEN": Self.benchAuthToken, "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "PUBLIC_BASE_URL": Self.benchPublicBase,
                    "CALL_MAX_CONCURRENT_PER_WORKSPACE": "1000", "CONVERSATION_TRANSPORT": "stream", "TRANSCRIPTION_BASE_URL": speechBase,
                    "ELEVENLABS_API_KEY": "xi-bench", "ELEVENLABS_BASE_URL": speechBase,
                ])
                defer {
                    api.terminate()
                    api.waitUntilExit()
                }
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                defer { _ = http.shutdown() }
                let calls = try await answeredCalls(base: base, http: http, count: 101, assistant: [
                    "response_delay_ms": 0, "silence_timeout_ms": 60_000, "interruption_sensitivity": 0.5,
                ])
                let streams = try calls.map { call -> (sid: String, token: String) in
                    guard let match = call.twiml.firstMatch(of: /<Parameter name="token" value="([^"]+)"\/>/) else {
                        throw BenchError("the voice webhook did not connect a stream: \(call.twiml)")
                    }
                    return (call.sid, String(match.1))
                }
                let address = base.replacingOccurrences(of: "http://", with: "ws://") + "/media-streams/twilio"
                let delays = Self.voiceTranscription + Self.voiceFirstToken + Self.voiceFirstAudio
                    + .milliseconds(20 * VoiceActivityDetector.Settings().endFrames)
                func overheads(_ calls: [SimulatedCall.Figures]) -> [Double] {
                    calls.flatMap(\.voiceToVoice).map { Double(($0 - delays).milliseconds) }.sorted()
                }
                func cut(_ values: [Double], _ share: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * share))] }

                let one = try await Self.simulate([streams[0]], address: address, turns: 2 * Self.voiceTurns, spread: .zero)
                let idle = Self.residentKilobytes(pid: api.processIdentifier)
                let peak = Mutex(idle)
                let hundred = try await Self.simulate(Array(streams[1...]), address: address, turns: Self.voiceTurns, spread: .seconds(2)) {
                    let now = Self.residentKilobytes(pid: api.processIdentifier)
                    peak.withLock { $0 = max($0, now) }
                }
                let single = overheads(one)
                let loaded = overheads(hundred)
                let bargeIns = hundred.compactMap(\.bargeIn).map { Double($0.milliseconds) }.sorted()
                guard !single.isEmpty, !loaded.isEmpty, !bargeIns.isEmpty else { throw BenchError("the voice bench measured nothing") }
                figures.withLock {
                    $0 = [
                        BenchResult(name: "voice-to-voice overhead p50 (1 call)", value: cut(single, 0.5), unit: "ms", target: 20,
                                    higherIsBetter: false),
                        BenchResult(name: "voice-to-voice overhead p99 (1 call)", value: cut(single, 0.99), unit: "ms", target: 60,
                                    higherIsBetter: false),
                        BenchResult(name: "voice-to-voice overhead p50 (100 calls)", value: cut(loaded, 0.5), unit: "ms", target: 20,
                                    higherIsBetter: false),
                        BenchResult(name: "voice-to-voice overhead p95 (100 calls)", value: cut(loaded, 0.95), unit: "ms", target: nil,
                                    higherIsBetter: false),
                        BenchResult(name: "voice-to-voice overhead p99 (100 calls)", value: cut(loaded, 0.99), unit: "ms", target: 60,
                                    higherIsBetter: false),
                        BenchResult(name: "barge-in to clear p99 (100 calls)", value: cut(bargeIns, 0.99), unit: "ms", target: 100,
                                    higherIsBetter: false),
                        BenchResult(name: "API memory per streamed call", value: Double(peak.withLock { $0 } - idle) / 1_024 / 100, unit: "MB",
                                    target: 2, higherIsBetter: false),
                    ]
                }
            }
        }
        return figures.withLock { $0 }
    }

    /// The API's resident memory in kB (`VmRSS`), 0 when it cannot be read.
    static func residentKilobytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Runs `streams` as simulated calls of `turns` turns each and a barge-in, the n-th starting
    /// n/count of `spread` late; `sample` is called every 100 ms meanwhile.
    static func simulate(_ streams: [(sid: String, token: String)], address: String, turns: Int, spread: Duration,
                         sample: @escaping @Sendable () -> Void = {}) async throws -> [SimulatedCall.Figures] {
        let started = ContinuousClock.now
        let sampler = Task {
            while !Task.isCancelled {
                sample()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { sampler.cancel() }
        return try await withThrowingTaskGroup(of: SimulatedCall.Figures.self) { group in
            for (index, stream) in streams.enumerated() {
                group.addTask {
                    try await Task.sleep(until: started + spread * (Double(index) / Double(streams.count)))
                    return try await SimulatedCall(sid: stream.sid, token: stream.token).run(address: address, turns: turns)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

/// One caller on a media stream, in real time: after the greeting, `turns` times a second of speech
/// and quiet until the reply's audio comes and its mark, then speech over a reply until `clear`.
struct SimulatedCall: Sendable {
    struct Figures: Sendable {
        var voiceToVoice: [Duration] = []
        var bargeIn: Duration?
    }

    /// What the API sent, as the reader saw it.
    final class Heard: Sendable {
        let state = Mutex<(audioAt: ContinuousClock.Instant?, marks: [String], clearedAt: ContinuousClock.Instant?, closed: Bool)>(
            (nil, [], nil, false))
    }

    let sid: String
    let token: String
    static let streamSID = "MZ-bench"

    func run(address: String, turns: Int) async throws -> Figures {
        var headers = HTTPFields()
        let signature = TwilioSignature.signature(authToken: BenchSuite.benchAuthToken,
                                                  url: BenchSuite.benchPublicBase.replacingOccurrences(of: "https://", with: "wss://")
                                                      + "/media-streams/twilio", parameters: [])
        headers[HTTPField.Name("X-Twilio-Signature")!] = signature
        let heard = Heard()
        let figures = Mutex(Figures())
        var logger = Logger(label: "bench-twilio")
        logger.logLevel = .error
        try await WebSocketClient.connect(url: address, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
            let reader = Task {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    let now = ContinuousClock.now
                    heard.state.withLock { state in
                        if text.hasPrefix(#"{"event":"media""#) {
                            if state.audioAt == nil { state.audioAt = now }
                        } else if text.hasPrefix(#"{"event":"clear""#) {
                            state.clearedAt = now
                        } else if let match = text.firstMatch(of: /"name":"([^"]+)"/) {
                            state.marks.append(String(match.1))
                        }
                    }
                }
                heard.state.withLock { $0.closed = true }
            }
            defer { reader.cancel() }
            let line = PacedLine(outbound: outbound)
            try await outbound.write(.text(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#))
            try await outbound.write(.text(Self.start(sid: sid, token: token)))
            try await line.quietUntil { heard.state.withLock { $0.marks.contains("t0-s0") } }
            try await line.mark("t0-s0")
            for turn in 1...turns {
                heard.state.withLock { $0.audioAt = nil }
                try await line.send(quiet: 25)
                let lastVoiced = try await line.send(speech: 50)
                try await line.quietUntil { heard.state.withLock { $0.audioAt != nil } }
                if let audioAt = heard.state.withLock({ $0.audioAt }) { figures.withLock { $0.voiceToVoice.append(audioAt - lastVoiced) } }
                let mark = "t\(turn)-s0"
                try await line.quietUntil { heard.state.withLock { $0.marks.contains(mark) } }
                try await line.mark(mark)
            }
            // A reply the caller talks over before its mark comes back: from the frame that passes the
            // threshold to the `clear`.
            heard.state.withLock { $0.audioAt = nil }
            try await line.send(quiet: 25)
            _ = try await line.send(speech: 50)
            try await line.quietUntil { heard.state.withLock { $0.audioAt != nil } }
            let threshold = BargeIn(sensitivity: 0.5).frames
            let passed = try await line.send(speech: threshold)
            try await line.speechUntil { heard.state.withLock { $0.clearedAt != nil } }
            if let clearedAt = heard.state.withLock({ $0.clearedAt }) { figures.withLock { $0.bargeIn = clearedAt - passed } }
            try await outbound.write(.text(#"{"event":"stop","streamSid":"\#(Self.streamSID)","stop":{"callSid":"\#(sid)"}}"#))
            try await outbound.close(.normalClosure, reason: nil)
        }
        return figures.withLock { $0 }
    }

    static func start(sid: String, token: String) -> String {
        #"{"event":"start","sequenceNumber":"1","streamSid":"\#(streamSID)","start":{"accountSid":"\#(BenchSuite.benchAccount)","#
            + #""streamSid":"\#(streamSID)","callSid":"\#(sid)","tracks":["inbound"],"#
            + #""mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"token":"\#(token)"}}}"#
    }
}

/// The caller's side of the line, one 20 ms frame every 20 ms whatever happens, as Twilio sends it.
final class PacedLine: Sendable {
    let outbound: WebSocketOutboundWriter
    let next = Mutex(ContinuousClock.now)
    let chunk = Mutex(0)
    static let quiet = Data(repeating: MuLaw.silence, count: 160).base64EncodedString()
    /// 20 ms of a loud 300 Hz voice (a whole number of periods, so frames repeat seamlessly).
    static let voice = Data(MuLaw.encode((0..<160).map { Int16(9_000 * sin(2 * Double.pi * 300 * Double($0) / 8_000)) }))
        .base64EncodedString()

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    /// Sends one frame at its time; when it was sent.
    func frame(speech: Bool) async throws -> ContinuousClock.Instant {
        let due = next.withLock { due in
            defer { due = max(due, .now - .milliseconds(100)) + .milliseconds(20) }
            return due
        }
        try await Task.sleep(until: due)
        let number = chunk.withLock { $0 += 1; return $0 }
        try await outbound.write(.text(#"{"event":"media","streamSid":"\#(SimulatedCall.streamSID)","media":{"track":"inbound","chunk":"\#(number)","#
                                       + #""timestamp":"\#(20 * number)","payload":"\#(speech ? Self.voice : Self.quiet)"}}"#))
        return .now
    }

    func send(quiet frames: Int) async throws {
        for _ in 0..<frames { _ = try await frame(speech: false) }
    }

    /// Sends `frames` of speech; when the last was sent.
    func send(speech frames: Int) async throws -> ContinuousClock.Instant {
        var last = ContinuousClock.now
        for _ in 0..<frames { last = try await frame(speech: true) }
        return last
    }

    /// Sends quiet (or speech) frames until `condition` holds, at most 20 s.
    func quietUntil(_ condition: () -> Bool) async throws { try await frames(speech: false, until: condition) }
    func speechUntil(_ condition: () -> Bool) async throws { try await frames(speech: true, until: condition) }

    private func frames(speech: Bool, until condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw BenchError("a simulated call waited 20 s for the API") }
            _ = try await frame(speech: speech)
        }
    }

    func mark(_ name: String) async throws {
        try await outbound.write(.text(#"{"event":"mark","streamSid":"\#(SimulatedCall.streamSID)","mark":{"name":"\#(name)"}}"#))
    }
}
