/// What the transcription endpoint heard (`response_format=verbose_json`).
public struct Transcript: Sendable, Codable, Equatable {
    public struct Segment: Sendable, Codable, Equatable {
        public let start: Double
        public let end: Double
        public let text: String
    }

    public let text: String
    public let language: String?
    /// Seconds of audio.
    public let duration: Double?
    public let segments: [Segment]?

    /// The longest recording a duration may describe (a week); a longer, negative or non-finite
    /// one is a malformed answer, never a charge.
    public static let maximumDuration: Double = 7 * 86_400

    enum CodingKeys: String, CodingKey { case text, language, duration, segments }

    public init(text: String, language: String?, duration: Double?, segments: [Segment]?) {
        self.text = text
        self.language = language
        self.duration = duration
        self.segments = segments
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        duration = try container.decodeIfPresent(Double.self, forKey: .duration)
        segments = try container.decodeIfPresent([Segment].self, forKey: .segments)
        if let duration, !(duration.isFinite && (0...Self.maximumDuration).contains(duration)) {
            throw DecodingError.dataCorruptedError(forKey: .duration, in: container,
                                                   debugDescription: "duration \(duration) is not a number of seconds from 0 to a week")
        }
    }
}
