import Foundation

/// Finds speech in a caller's audio by its energy, frame by frame (20 ms at 8 kHz): a frame is
/// speech when it is louder than both a fixed level and the background, the quietest frame of the
/// last three seconds (speech has pauses; a hum or line noise does not). An
/// utterance starts after `startFrames` speech frames in a row and ends after `endOfUtterance` of
/// quiet; `speechFrames` tells a barge-in policy how long the caller has been talking.
public struct VoiceActivityDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Frames quieter than this are never speech (dB below full scale).
        public var speechLevel: Double
        /// How far above the learnt background a frame must be to count as speech.
        public var aboveBackground: Double
        /// Speech frames in a row that start an utterance (short clicks are not one).
        public var startFrames: Int
        /// Quiet that ends an utterance, in frames.
        public var endFrames: Int
        /// The longest utterance, in frames (30 s): a television or music is cut into pieces.
        public var maximumFrames: Int

        public init(speechLevel: Double = -40, aboveBackground: Double = 9, startFrames: Int = 3, endFrames: Int = 35,
                    maximumFrames: Int = 1_500) {
            self.speechLevel = speechLevel
            self.aboveBackground = aboveBackground
            self.startFrames = startFrames
            self.endFrames = endFrames
            self.maximumFrames = maximumFrames
        }
    }

    public enum Event: Sendable, Equatable {
        /// The utterance so far: a little before its first speech frame, to this frame.
        case speechStarted(lead: [Int16])
        /// The utterance's samples, from a little before its first speech frame to its end.
        case speechEnded([Int16])
    }

    public let settings: Settings
    /// Frames kept from before an utterance starts, so its first syllable is not cut.
    static let lead = 10
    static let floorLevel = -90.0
    /// Frames the background is the quietest of.
    static let backgroundFrames = 150

    /// The levels of the last frames, oldest first.
    private var levels: [Double] = []
    /// The quietest recent level; a quiet line before anything is heard.
    var background: Double { levels.min() ?? -60 }
    private(set) public var inUtterance = false
    /// Speech frames in a row, up to now.
    private(set) public var speechFrames = 0
    private var quietFrames = 0
    private var recent: [[Int16]] = []
    private var utterance: [Int16] = []

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// A frame's level in dB below full scale (its RMS against 32,768).
    public static func level(_ frame: [Int16]) -> Double {
        guard !frame.isEmpty else { return floorLevel }
        var sum = 0.0
        for sample in frame { sum += Double(sample) * Double(sample) }
        let rms = (sum / Double(frame.count)).squareRoot()
        return rms < 1 ? floorLevel : 20 * log10(rms / 32_768)
    }

    public mutating func process(_ frame: [Int16]) -> Event? {
        let level = Self.level(frame)
        let isSpeech = level > settings.speechLevel && level > background + settings.aboveBackground
        levels.append(level)
        if levels.count > Self.backgroundFrames { levels.removeFirst() }
        speechFrames = isSpeech ? speechFrames + 1 : 0
        if inUtterance {
            utterance.append(contentsOf: frame)
            quietFrames = isSpeech ? 0 : quietFrames + 1
            guard quietFrames >= settings.endFrames || utterance.count >= settings.maximumFrames * frame.count else { return nil }
            inUtterance = false
            quietFrames = 0
            defer { utterance = [] }
            return .speechEnded(utterance)
        }
        recent.append(frame)
        if recent.count > Self.lead + settings.startFrames { recent.removeFirst() }
        guard speechFrames >= settings.startFrames else { return nil }
        inUtterance = true
        quietFrames = 0
        utterance = recent.flatMap { $0 }
        recent = []
        return .speechStarted(lead: utterance)
    }
}
