import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Synchronization
import Testing

/// Twilio's side of a bidirectional media stream, as the tests drive it over a real WebSocket:
/// `connected` and `start`, the caller's line as 20 ms μ-law `media` messages (quiet or a loud
/// voice), marks echoed once their audio has "played", `stop`. It keeps every message the API sends.
final class TwilioStreamSimulator: Sendable {
    /// What the API sent, in order (the text of each message).
    let received = Mutex<[String]>([])
    /// Whether the stream has closed (by the API, or by a script that closed it).
    let closed = Mutex(false)

    /// The messages the API sent, as JSON objects.
    var messages: [[String: Any]] {
        received.withLock { $0 }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }
    var marks: [String] { messages.compactMap { ($0["mark"] as? [String: Any])?["name"] as? String } }
    /// The audio of every `media` message the API sent.
    var frames: [Data] {
        messages.filter { $0["event"] as? String == "media" }
            .compactMap { (($0["media"] as? [String: Any])?["payload"] as? String).flatMap { Data(base64Encoded: $0) } }
    }

    /// The script's handle on the open stream.
    struct Line: Sendable {
        let simulator: TwilioStreamSimulator
        let outbound: WebSocketOutboundWriter
        let streamSID: String

        func send(_ object: [String: Any]) async throws {
            try await outbound.write(.text(VoiceSessionTests.json(object)))
        }

        /// Half a second of quiet, a second of the caller's voice, then quiet until the utterance ends.
        func utter() async throws {
            var chunk = 0
            for (frames, speaking) in [(25, false), (50, true), (40, false)] {
                for index in 0..<frames {
                    chunk += 1
                    let payload = Data(VoiceSessionTests.frame(speech: speaking, index: index)).base64EncodedString()
                    try await send(["event": "media", "streamSid": streamSID,
                                    "media": ["track": "inbound", "chunk": String(chunk), "timestamp": String(20 * chunk), "payload": payload]])
                }
            }
        }

        /// Waits for the marks of `turn`'s `sentences` and echoes each, as Twilio does once it played.
        func play(turn: Int, sentences: Int) async throws {
            let expected = (0..<sentences).map { "t\(turn)-s\($0)" }
            let deadline = ContinuousClock.now + .seconds(20)
            var echoed: Set<String> = []
            while echoed.count < expected.count {
                try #require(ContinuousClock.now < deadline, "waited in vain for \(expected), got \(simulator.marks)")
                for mark in simulator.marks where expected.contains(mark) && !echoed.contains(mark) {
                    echoed.insert(mark)
                    try await send(["event": "mark", "streamSid": streamSID, "mark": ["name": mark]])
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        func stop(callSID: String) async throws {
            try await send(["event": "stop", "streamSid": streamSID, "stop": ["accountSid": TwilioStandIn.accountSID, "callSid": callSID]])
        }
    }

    /// Attaches to `url` with `signature`, sends `connected` and `start`, runs `script` while a task
    /// keeps what the API sends, and waits for the API to close the stream once `script` is done
    /// (a script that closes it itself returns at once).
    static func attach(url: String, signature: String?, start: String, streamSID: String, logger: Logger,
                       _ script: @escaping @Sendable (Line) async throws -> Void) async throws -> TwilioStreamSimulator {
        let simulator = TwilioStreamSimulator()
        var headers = HTTPFields()
        if let signature { headers[HTTPField.Name("X-Twilio-Signature")!] = signature }
        try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#))
            try await outbound.write(.text(start))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { simulator.received.withLock { $0.append(text) } }
                    }
                    simulator.closed.withLock { $0 = true }
                }
                try await script(Line(simulator: simulator, outbound: outbound, streamSID: streamSID))
                try await group.waitForAll()
            }
        }
        return simulator
    }
}
