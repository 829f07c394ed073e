import Foundation
import ServerSupport

/// What Twilio sends on a bidirectional media stream (`<Connect><Stream>`), one JSON text frame each:
/// `connected`, then `start` once, then `media` (base64 μ-law 8 kHz), `dtmf`, `mark` echoes and
/// finally `stop`. Counters arrive as strings; unknown events and fields are tolerated.
public enum MediaStreamEvent: Sendable, Equatable {
    public struct Start: Sendable, Equatable {
        public let streamSID: String
        public let callSID: String
        public let accountSID: String
        public let tracks: [String]
        /// The `<Parameter>`s of the TwiML that opened the stream.
        public let parameters: [String: String]
        public let encoding: String
        public let sampleRate: Int
        public let channels: Int
    }

    case connected
    case start(Start)
    /// The caller's audio: μ-law bytes and their time from the stream's start, in milliseconds.
    case media(track: String, payload: [UInt8], timestamp: Int?)
    case dtmf(digit: String)
    /// A mark this side sent came back: the audio before it was played, or was cleared.
    case mark(name: String)
    case stop
    case other(String)

    private struct Envelope: Decodable {
        struct StartBody: Decodable {
            let streamSid: String?
            let callSid: String
            let accountSid: String
            let tracks: [String]?
            let customParameters: [String: String]?
            let mediaFormat: Format?
        }
        struct Format: Decodable {
            let encoding: String?
            let sampleRate: Int?
            let channels: Int?
        }
        struct MediaBody: Decodable {
            let track: String?
            let timestamp: String?
            let payload: String
        }
        struct DTMFBody: Decodable { let digit: String }
        struct MarkBody: Decodable { let name: String }

        let event: String
        let streamSid: String?
        let start: StartBody?
        let media: MediaBody?
        let dtmf: DTMFBody?
        let mark: MarkBody?
    }

    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses one text frame.
    public init(json text: String) throws {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(text.utf8))
        } catch {
            throw Malformed(description: "not a media stream message: \(error)")
        }
        switch envelope.event {
        case "connected":
            self = .connected
        case "start":
            guard let start = envelope.start, let streamSID = start.streamSid ?? envelope.streamSid else {
                throw Malformed(description: "a start without its stream")
            }
            self = .start(Start(streamSID: streamSID, callSID: start.callSid, accountSID: start.accountSid, tracks: start.tracks ?? ["inbound"],
                                parameters: start.customParameters ?? [:], encoding: start.mediaFormat?.encoding ?? "audio/x-mulaw",
                                sampleRate: start.mediaFormat?.sampleRate ?? 8_000, channels: start.mediaFormat?.channels ?? 1))
        case "media":
            guard let media = envelope.media, let bytes = Data(base64Encoded: media.payload) else {
                throw Malformed(description: "a media message without base64 audio")
            }
            self = .media(track: media.track ?? "inbound", payload: [UInt8](bytes), timestamp: media.timestamp.flatMap { Int($0) })
        case "dtmf":
            guard let dtmf = envelope.dtmf else { throw Malformed(description: "a dtmf message without its digit") }
            self = .dtmf(digit: dtmf.digit)
        case "mark":
            guard let mark = envelope.mark else { throw Malformed(description: "a mark message without its name") }
            self = .mark(name: mark.name)
        case "stop":
            self = .stop
        default:
            self = .other(envelope.event)
        }
    }
}

/// What this side sends on a bidirectional media stream: audio to play (raw μ-law 8 kHz, no
/// header), a mark Twilio echoes once the audio before it has played, and `clear`, which drops the
/// audio Twilio still holds (and echoes the pending marks at once).
public enum MediaStreamCommand: Sendable, Equatable {
    case media([UInt8])
    case mark(String)
    case clear

    /// The JSON text frame for the stream `streamSID`.
    public func json(streamSID: String) -> String {
        let stream = JSONText.quoted(streamSID)
        switch self {
        case .media(let bytes):
            return #"{"event":"media","streamSid":\#(stream),"media":{"payload":"\#(Data(bytes).base64EncodedString())"}}"#
        case .mark(let name):
            return #"{"event":"mark","streamSid":\#(stream),"mark":{"name":\#(JSONText.quoted(name))}}"#
        case .clear:
            return #"{"event":"clear","streamSid":\#(stream)}"#
        }
    }
}
