import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import ServerSupport
import Synchronization

/// Deepgram's live speech to text (`wss://api.deepgram.com/v1/listen`, `Authorization: Token …`):
/// the caller's audio goes up as binary 16-bit PCM at 8 kHz while they speak, Deepgram answers
/// `Results` messages (interim ones with `is_final: false` as it goes, final ones per segment), and
/// at the end of the utterance a `Finalize` message makes it transcribe what it still holds and
/// answer with `from_finalize: true`; `CloseStream` then ends the stream. One stream per utterance:
/// it opens while the caller is still talking, so its set-up costs the turn nothing.
public struct DeepgramLiveClient: Sendable {
    public static let defaultBaseURL = "wss://api.deepgram.com"
    public static let defaultModel = "nova-3"

    /// What the transport hands the stream: audio as it comes, then the end of the utterance.
    public enum Input: Sendable {
        case audio([Int16])
        case finish
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let baseURL: String
    public let apiKey: String
    public let model: String
    /// How long Deepgram may take to finalise once the utterance ended.
    public let timeout: Duration

    public init(baseURL: String = DeepgramLiveClient.defaultBaseURL, apiKey: String, model: String = DeepgramLiveClient.defaultModel,
                timeout: Duration = .seconds(5)) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeout = timeout
    }

    /// From `DEEPGRAM_API_KEY` (nil without it), `DEEPGRAM_BASE_URL` (`ws(s)://`), `DEEPGRAM_MODEL`
    /// and `DEEPGRAM_TIMEOUT_MS`.
    public init?(environment: Environment) throws {
        guard let key = environment["DEEPGRAM_API_KEY"], !key.isEmpty else { return nil }
        let base = environment.string("DEEPGRAM_BASE_URL", default: Self.defaultBaseURL)
        guard let url = URL(string: base), ["ws", "wss"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError("DEEPGRAM_BASE_URL", "expected a ws(s) URL")
        }
        self.init(baseURL: base, apiKey: key, model: environment.string("DEEPGRAM_MODEL", default: Self.defaultModel),
                  timeout: try environment.milliseconds("DEEPGRAM_TIMEOUT_MS", default: .seconds(5)))
    }

    /// The stream's URL for a language (an ISO-639-1 code, or nil for Deepgram's default, English).
    func url(language: String?) -> String {
        var query = [("model", model), ("encoding", "linear16"), ("sample_rate", "8000"), ("channels", "1"), ("interim_results", "true"),
                     ("punctuate", "true"), ("smart_format", "true")]
        if let language { query.append(("language", language)) }
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return base + "/v1/listen?" + FormURLEncoding.encode(query)
    }

    /// Streams `input` until `.finish`, then answers the utterance's transcript (its final segments,
    /// in order); `onText` gets the text so far (the final segments and the latest interim one) as
    /// Deepgram revises it. After `.finish` the stream sends `Finalize` and `CloseStream`: Deepgram
    /// transcribes what it still holds, may answer `from_finalize`, then sends `Metadata` and closes;
    /// any of those ends the utterance. Either side failing ends both; `input` ending without
    /// `.finish` abandons the utterance.
    public func transcribe(_ input: AsyncStream<Input>, language: String?, logger: Logger,
                           onText: @escaping @Sendable (String) -> Void = { _ in }) async throws(Failure) -> String {
        var headers = HTTPFields()
        headers[.authorization] = "Token \(apiKey)"
        headers.addTraceContext()
        let transcript = DeepgramTranscript()
        do {
            try await WebSocketClient.connect(url: url(language: language), configuration: .init(additionalHeaders: headers),
                                              logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            if let sofar = try transcript.read(text) { onText(sofar) }
                            if transcript.isComplete { return }
                        }
                        guard transcript.endAsked else { throw Failure(description: "Deepgram closed the stream before the utterance ended") }
                    }
                    group.addTask {
                        for await item in input {
                            switch item {
                            case .audio(let samples):
                                var buffer = ByteBuffer()
                                buffer.reserveCapacity(2 * samples.count)
                                for sample in samples { buffer.writeInteger(sample, endianness: .little) }
                                try await outbound.write(.binary(buffer))
                            case .finish:
                                transcript.askEnd()
                                try await outbound.write(.text(#"{"type":"Finalize"}"#))
                                try await outbound.write(.text(#"{"type":"CloseStream"}"#))
                                return
                            }
                        }
                        throw Failure(description: "the utterance was abandoned")
                    }
                    // Until the reader has the whole utterance, or both sides are done.
                    while !transcript.isComplete, try await group.next() != nil {}
                    group.cancelAll()
                }
                try? await outbound.close(.normalClosure, reason: nil)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "the Deepgram stream failed: \(error)")
        }
        return transcript.text
    }
}

/// The messages of one Deepgram stream: the final segments so far, the latest interim one, and
/// whether the end of the utterance was asked and answered.
final class DeepgramTranscript: Sendable {
    struct Message: Decodable {
        struct Channel: Decodable {
            struct Alternative: Decodable { let transcript: String }
            let alternatives: [Alternative]
        }

        let type: String
        let isFinal: Bool?
        let fromFinalize: Bool?
        let channel: Channel?

        enum CodingKeys: String, CodingKey {
            case type, channel
            case isFinal = "is_final", fromFinalize = "from_finalize"
        }
    }

    private struct State {
        var finals: [String] = []
        var interim = ""
        var endAsked = false
        var complete = false
    }

    private let state = Mutex(State())

    /// The final segments, in order.
    var text: String { state.withLock { $0.finals.filter { !$0.isEmpty }.joined(separator: " ") } }
    /// Whether Deepgram has answered the end of the utterance (`from_finalize`, or its `Metadata`).
    var isComplete: Bool { state.withLock { $0.complete } }
    var endAsked: Bool { state.withLock { $0.endAsked } }
    func askEnd() { state.withLock { $0.endAsked = true } }

    /// Reads one message; answers the text so far when it changed. An `Error` message fails the stream.
    func read(_ text: String) throws -> String? {
        guard let message = try? JSONDecoder().decode(Message.self, from: Data(text.utf8)) else { return nil }
        if message.type == "Error" { throw DeepgramLiveClient.Failure(description: "Deepgram: \(text.prefix(300))") }
        return state.withLock { state in
            if message.type == "Metadata", state.endAsked { state.complete = true }
            guard message.type == "Results" else { return nil }
            let said = message.channel?.alternatives.first?.transcript.trimmingCharacters(in: .whitespaces) ?? ""
            if message.isFinal == true {
                state.finals.append(said)
                state.interim = ""
                if message.fromFinalize == true { state.complete = true }
            } else {
                state.interim = said
            }
            return (state.finals + [state.interim]).filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}
