import Audio

/// The caller's side of a streamed call: Twilio's μ-law payloads in, 20 ms frames and the
/// utterances the voice-activity detector finds out. Payloads of any length are cut into frames.
public struct CallListener: Sendable {
    public static let frameSamples = 160

    private var detector: VoiceActivityDetector
    private var partial: [Int16] = []

    public init(settings: VoiceActivityDetector.Settings = .init()) {
        detector = VoiceActivityDetector(settings: settings)
    }

    /// Whether the caller is in the middle of an utterance.
    public var isSpeaking: Bool { detector.inUtterance }

    /// The frames of `payload`, whether each was speech, and what the detector made of it.
    public mutating func hear(_ payload: [UInt8]) -> [(frame: [Int16], voiced: Bool, event: VoiceActivityDetector.Event?)] {
        partial += MuLaw.decode(payload)
        var heard: [(frame: [Int16], voiced: Bool, event: VoiceActivityDetector.Event?)] = []
        while partial.count >= Self.frameSamples {
            let frame = Array(partial.prefix(Self.frameSamples))
            partial.removeFirst(Self.frameSamples)
            let event = detector.process(frame)
            heard.append((frame, detector.speechFrames > 0, event))
        }
        return heard
    }
}
