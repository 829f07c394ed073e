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
}
