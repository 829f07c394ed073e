import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// A local stand-in for Deepgram's live speech to text (`GET /v1/listen` upgraded to a WebSocket,
/// `Authorization: Token …`), written from Deepgram's streaming reference: binary audio in (here
/// 16-bit PCM, as the query's `encoding=linear16` says), `Results` out — an interim one (`is_final:
/// false`) for every half second of audio, and on `{"type":"Finalize"}` a final one with
/// `from_finalize: true` carrying the next scripted transcript — until `{"type":"CloseStream"}`.
/// It records each stream's query, audio bytes and control messages, and whether the client left
/// before finalising.
public final class DeepgramStandIn: Sendable {
    public struct Stream: Sendable {
        public var query: String
        public var authorization: String?
        public var audioBytes = 0
        public var controls: [String] = []
        /// The client went away before asking to finalise.
        public var abandoned = false
    }

    private struct State {
        var streams: [Stream] = []
        var transcripts: [String] = []
        var finalizeDelay: Duration = .zero
        /// Finalize answered with nothing: the last segment comes as CloseStream flushes it.
        var quietFinalize = false
    }

    private let state = Mutex(State())
    public static let apiKey = "dg-test-key"

    public init() {}

    public var streams: [Stream] { state.withLock { $0.streams } }
    /// What the next utterances are heard as, in order (then an empty transcript).
    public func transcribe(_ texts: String...) { state.withLock { $0.transcripts.append(contentsOf: texts) } }
    /// How long finalising takes.
    public func finalize(after delay: Duration) { state.withLock { $0.finalizeDelay = delay } }
    /// From now on Finalize gets no `from_finalize` answer (Deepgram's documentation says it *may*);
    /// the utterance's segment comes when CloseStream flushes the stream, before its `Metadata`.
    public func finalizeQuietly() { state.withLock { $0.quietFinalize = true } }

    /// Runs the stand-in on a loopback port for `body`, which gets its base URL (`ws://…`, no path).
    public func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let app = Application(router: Router(), server: .http1WebSocketUpgrade { request, _, _ in
            guard request.path?.hasPrefix("/v1/listen?") == true,
                  request.headerFields[.authorization] == "Token \(Self.apiKey)" else { return .dontUpgrade }
            let query = String(request.path?.split(separator: "?", maxSplits: 1).last ?? "")
            let index = self.state.withLock { state in
                state.streams.append(Stream(query: query, authorization: request.headerFields[.authorization]))
                return state.streams.count - 1
            }
            return .upgrade([:]) { inbound, outbound, _ in
                try await self.serve(index, inbound: inbound, outbound: outbound)
            }
        }, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("ws://127.0.0.1:\(client.port ?? 0)")
        }
    }

    private func serve(_ index: Int, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        var interimAt = 8_000
        var finalized = false
        // However the stream ends (a client that goes away may end it with an error).
        defer { if !finalized { state.withLock { $0.streams[index].abandoned = true } } }
        for try await message in inbound.messages(maxSize: 1 << 20) {
            switch message {
            case .binary(let buffer):
                let bytes = state.withLock { state in
                    state.streams[index].audioBytes += buffer.readableBytes
                    return state.streams[index].audioBytes
                }
                if bytes >= interimAt {
                    interimAt += 8_000
                    try await outbound.write(.text(Self.results("…", isFinal: false, fromFinalize: false, seconds: Double(bytes) / 16_000)))
                }
            case .text(let text):
                state.withLock { $0.streams[index].controls.append(text) }
                let seconds = Double(state.withLock { $0.streams[index].audioBytes }) / 16_000
                if text.contains(#""Finalize""#) {
                    finalized = true
                    let (said, delay, quiet) = state.withLock { state in
                        (state.quietFinalize || state.transcripts.isEmpty ? "" : state.transcripts.removeFirst(), state.finalizeDelay,
                         state.quietFinalize)
                    }
                    try await Task.sleep(for: delay)
                    if !quiet { try await outbound.write(.text(Self.results(said, isFinal: true, fromFinalize: true, seconds: seconds))) }
                } else if text.contains(#""CloseStream""#) {
                    let flushed = state.withLock { state in
                        state.quietFinalize && !state.transcripts.isEmpty ? state.transcripts.removeFirst() : nil
                    }
                    if let flushed { try await outbound.write(.text(Self.results(flushed, isFinal: true, fromFinalize: false, seconds: seconds))) }
                    try await outbound.write(.text(#"{"type":"Metadata","request_id":"stand-in","channels":1}"#))
                    return
                }
            }
        }
    }

    static func results(_ transcript: String, isFinal: Bool, fromFinalize: Bool, seconds: Double) -> String {
        let object: [String: Any] = [
            "type": "Results", "channel_index": [0, 1], "duration": seconds, "start": 0, "is_final": isFinal, "speech_final": isFinal,
            "from_finalize": fromFinalize,
            "channel": ["alternatives": [["transcript": transcript, "confidence": 0.98, "words": [[String: Any]]()]]],
            "metadata": ["request_id": "stand-in", "model_info": ["name": "general", "version": "stand-in", "arch": "nova-3"],
                         "model_uuid": "00000000-0000-0000-0000-000000000000"],
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }
}
