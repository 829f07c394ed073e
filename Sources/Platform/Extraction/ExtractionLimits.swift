/// Bounds on one extraction, so a hostile or broken file costs a known amount.
public struct ExtractionLimits: Sendable, Equatable {
    /// Larger files are not read at all.
    public var maxBytes: Int
    /// PDF pages read; the rest is left out (and the text marked truncated).
    public var maxPages: Int
    /// Characters kept; the rest is cut (and the text marked truncated).
    public var maxCharacters: Int
    /// What a DOCX may expand to when unzipped (a zip bomb is refused, not unpacked).
    public var maxUncompressedBytes: Int
    /// A tool that runs longer is killed.
    public var timeout: Duration

    public init(maxBytes: Int = 50 << 20, maxPages: Int = 500, maxCharacters: Int = 2_000_000,
                maxUncompressedBytes: Int = 200 << 20, timeout: Duration = .seconds(60)) {
        self.maxBytes = maxBytes
        self.maxPages = maxPages
        self.maxCharacters = maxCharacters
        self.maxUncompressedBytes = maxUncompressedBytes
        self.timeout = timeout
    }
}

/// The text of a file and what was counted on the way.
public struct ExtractedText: Sendable, Equatable {
    public let text: String
    /// PDF pages in the file; nil for formats without pages.
    public let pages: Int?
    public let characters: Int
    /// A limit cut the text short.
    public let truncated: Bool
}

/// Why a file has no text: each is final (retrying cannot change the file).
public enum ExtractionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case corrupt(String)
    case encrypted
    case timedOut(Duration)

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit): "the file has \(bytes) bytes; the limit is \(limit)"
        case .corrupt(let reason): "the file cannot be read: \(reason)"
        case .encrypted: "the file is password-protected"
        case .timedOut(let limit): "extraction took longer than \(limit)"
        }
    }
}
