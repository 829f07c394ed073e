import Foundation

/// How a voice provider's audio is encoded.
public enum SpeechAudioFormat: Sendable, Equatable {
    /// Signed 16-bit little-endian mono samples at this rate, no header.
    case pcm16(sampleRate: Int)
    /// G.711 μ-law at 8 kHz, no header: what a phone line carries.
    case muLaw8000
}

/// Why speaking a sentence failed; the turn records it and the call goes on.
public enum SpeechFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case rejected(httpStatus: Int, message: String)
    case unavailable(httpStatus: Int, message: String)
    case timedOut
    case transport(String)
    case notConfigured(provider: String)

    public var code: String {
        switch self {
        case .rejected: "rejected"
        case .unavailable: "unavailable"
        case .timedOut: "timeout"
        case .transport: "network_error"
        case .notConfigured: "not_configured"
        }
    }

    public var description: String {
        switch self {
        case .rejected(let status, let message): "refused with HTTP \(status): \(message)"
        case .unavailable(let status, let message): "unavailable (HTTP \(status)): \(message)"
        case .timedOut: "no audio within the time allowed"
        case .transport(let detail): "the provider could not be reached: \(detail)"
        case .notConfigured(let provider): "no \(provider) voice is configured in this deployment"
        }
    }
}

/// A text-to-speech provider that streams: `onAudio` gets the audio of `text` as it arrives, in
/// `format`, so the caller hears the first words before the sentence is synthesised whole.
public protocol SpeechSynthesizer: Sendable {
    var format: SpeechAudioFormat { get }
    /// The voice spoken when an assistant names none of this provider's.
    var defaultVoice: String { get }
    func speak(_ text: String, voice: String, language: String, timeout: Duration,
               onAudio: @escaping @Sendable ([UInt8]) async -> Void) async throws(SpeechFailure)
}
