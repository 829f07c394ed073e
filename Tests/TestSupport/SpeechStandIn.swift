import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A local stand-in for the speech providers, speaking their documented wire formats and recording
/// what it received: OpenAI-compatible `POST /v1/audio/speech` (raw 24 kHz PCM when asked for `pcm`)
/// and `POST /v1/audio/transcriptions` (JSON `{"text"}`), ElevenLabs'
/// `POST /v1/text-to-speech/{voice}/stream` (`ulaw_8000`) and Azure's `POST /cognitiveservices/v1`
/// (`raw-8khz-8bit-mono-mulaw`). Speech is a 440 Hz tone, 60 ms per character of input, written in
/// uneven pieces as a streaming server would (an odd number of bytes in some of them).
public final class SpeechStandIn: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    public enum Behaviour: Sendable {
        case speak
        case fail(status: Int, message: String)
        /// Waits this long before the first byte.
        case delay(Duration)
        /// Writes the audio in ten pieces this far apart, as a provider synthesising it would; a
        /// client that goes away meanwhile is counted in `cancelled`.
        case paced(Duration)
    }

    /// The stand-in's routes, for a behaviour of one of them alone.
    public enum Endpoint: Sendable, Hashable {
        case openAISpeech, elevenLabs, azure, transcription
    }

    private struct State {
        var received: [Received] = []
        var behaviour: Behaviour = .speak
        /// Behaviours of the next requests to one route, before `behaviour`.
        var next: [Endpoint: [Behaviour]] = [:]
        /// Behaviours of every request to one route, after `next` and before `behaviour`.
        var standing: [Endpoint: Behaviour] = [:]
        var transcripts: [String] = []
        /// What a transcription answers once `transcripts` ran out.
        var everyTranscript = ""
        var cancelled: [String] = []
    }

    private let state = Mutex(State())
    public static let millisecondsPerCharacter = 60

    public init() {}

    public var received: [Received] { state.withLock { $0.received } }
    public func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }
    /// The next `times` requests to `endpoint` behave so; then `behave`'s behaviour applies again.
    public func behave(_ behaviour: Behaviour, on endpoint: Endpoint, times: Int = 1) {
        state.withLock { $0.next[endpoint, default: []] += Array(repeating: behaviour, count: times) }
    }
    /// Every request to `endpoint` from now on behaves so (a provider of fixed latency, say).
    public func behaveAlways(_ behaviour: Behaviour, on endpoint: Endpoint) {
        state.withLock { $0.standing[endpoint] = behaviour }
    }
    /// What every transcription answers once the texts of `transcribe` ran out.
    public func transcribeAlways(_ text: String) { state.withLock { $0.everyTranscript = text } }
    /// The paths of requests whose client went away while their audio was being written.
    public var cancelled: [String] { state.withLock { $0.cancelled } }
    /// What the next transcriptions answer, in order (then `transcribeAlways`'s text, empty unless set).
    public func transcribe(_ texts: String...) { state.withLock { $0.transcripts.append(contentsOf: texts) } }

    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("v1/audio/speech") { request, _ in
            let (received, behaviour) = try await self.record(request, .openAISpeech)
            let input = received.json["input"] as? String ?? ""
            return try await self.answer(behaviour, audio: Self.pcm(Self.tone(rate: 24_000, characters: input.count)), path: received.path)
        }
        router.post("v1/text-to-speech/:voice/stream") { request, _ in
            let (received, behaviour) = try await self.record(request, .elevenLabs)
            let input = received.json["text"] as? String ?? ""
            return try await self.answer(behaviour, audio: Self.muLaw(Self.tone(rate: 8_000, characters: input.count)), path: received.path)
        }
        router.post("cognitiveservices/v1") { request, _ in
            let (received, behaviour) = try await self.record(request, .azure)
            let spoken = received.text.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            return try await self.answer(behaviour, audio: Self.muLaw(Self.tone(rate: 8_000, characters: spoken.count)), path: received.path)
        }
        router.post("v1/audio/transcriptions") { request, _ in
            let (_, behaviour) = try await self.record(request, .transcription)
            switch behaviour {
            case .fail(let status, let message): return Self.failure(status, message)
            case .delay(let delay), .paced(let delay): try await Task.sleep(for: delay)
            case .speak: break
            }
            let text = self.state.withLock { $0.transcripts.isEmpty ? $0.everyTranscript : $0.transcripts.removeFirst() }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"text":\#(Self.quoted(text))}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func record(_ request: Request, _ endpoint: Endpoint) async throws -> (Received, Behaviour) {
        let buffer = try await request.body.collect(upTo: 32 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let received = Received(path: request.uri.description, headers: headers, body: Array(buffer.readableBytesView))
        let behaviour = state.withLock { state in
            state.received.append(received)
            if var next = state.next[endpoint], !next.isEmpty {
                defer { state.next[endpoint] = next }
                return next.removeFirst()
            }
            return state.standing[endpoint] ?? state.behaviour
        }
        return (received, behaviour)
    }

    private func answer(_ behaviour: Behaviour, audio: [UInt8], path: String) async throws -> Response {
        switch behaviour {
        case .fail(let status, let message):
            return Self.failure(status, message)
        case .delay(let delay):
            try await Task.sleep(for: delay)
        case .paced(let gap):
            let piece = (audio.count + 9) / 10
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                do {
                    for start in stride(from: 0, to: audio.count, by: piece) {
                        try await writer.write(ByteBuffer(bytes: audio[start..<min(audio.count, start + piece)]))
                        try await Task.sleep(for: gap)
                    }
                } catch {
                    self.state.withLock { $0.cancelled.append(path) }
                    throw error
                }
                try await writer.finish(nil)
            })
        case .speak:
            break
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
            var start = 0
            var size = 1_001
            while start < audio.count {
                let end = min(audio.count, start + size)
                try await writer.write(ByteBuffer(bytes: audio[start..<end]))
                start = end
                size = size == 1_001 ? 2_048 : 1_001
            }
            try await writer.finish(nil)
        })
    }

    static func failure(_ status: Int, _ message: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":\#(quoted(message))}}"#)))
    }

    static func quoted(_ text: String) -> String {
        let array = String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8), as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    /// A 440 Hz tone as long as `characters` of speech.
    public static func tone(rate: Int, characters: Int) -> [Int16] {
        let count = rate * millisecondsPerCharacter * characters / 1_000
        return (0..<count).map { Int16(8_000 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }
    }

    static func pcm(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    /// G.711 μ-law, written out here so the stand-in does not share the code it tests.
    static func muLaw(_ samples: [Int16]) -> [UInt8] {
        samples.map { sample in
            var magnitude = Int(sample)
            let sign = magnitude < 0 ? 0x80 : 0
            magnitude = min(abs(magnitude), 32_635) + 0x84
            var exponent = 7
            while exponent > 0, magnitude & (0x80 << exponent) == 0 { exponent -= 1 }
            let mantissa = (magnitude >> (exponent + 3)) & 0x0F
            return UInt8(~(sign | (exponent << 4) | mantissa) & 0xFF)
        }
    }
}
