import Foundation

/// Cuts a reply that arrives token by token into sentences, so each can be spoken as soon as it is
/// complete: at `.`, `!`, `?` or `…` followed by a space (a number's point such as "3.5" has none;
/// an abbreviation such as "Dr." is no end), at a line break, and at a comma once a clause runs
/// longer than `longClause` characters.
public struct SentenceSplitter: Sendable {
    public static let longClause = 160
    private var buffer = ""

    public init() {}

    /// The sentences `text` completes.
    public mutating func add(_ text: String) -> [String] {
        buffer += text
        var sentences: [String] = []
        while let end = nextBoundary() {
            let sentence = buffer[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
            buffer = String(buffer[end...])
            if !sentence.isEmpty { sentences.append(sentence) }
        }
        return sentences
    }

    /// The sentences of a whole text.
    public static func all(of text: String) -> [String] {
        var splitter = SentenceSplitter()
        return splitter.add(text) + (splitter.finish().map { [$0] } ?? [])
    }

    /// What is left when the reply ends.
    public mutating func finish() -> String? {
        defer { buffer = "" }
        let rest = buffer.trimmingCharacters(in: .whitespacesAndNewlines)
        return rest.isEmpty ? nil : rest
    }

    /// Where the first complete sentence in the buffer ends (after its punctuation), if one does.
    private func nextBoundary() -> String.Index? {
        var index = buffer.startIndex
        var lastComma: String.Index?
        var length = 0
        while index < buffer.endIndex {
            let character = buffer[index]
            let next = buffer.index(after: index)
            length += 1
            if character == "\n" { return next }
            if character == "," { lastComma = next }
            if ".!?…。！？".contains(character) {
                // A boundary needs what follows: a space, or the end of a longer reply still to come.
                guard next < buffer.endIndex else { return nil }
                if buffer[next].isWhitespace, !isAbbreviation(before: index) { return next }
            }
            if length > Self.longClause, let lastComma { return lastComma }
            index = next
        }
        return nil
    }

    /// Abbreviations whose point ends no sentence (English and German titles and the like).
    static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "nr", "e.g", "i.e", "z.b", "bzw",
                                             "ca", "hr", "fr", "inc", "ltd", "co", "approx", "tel"]

    /// Whether the point at `index` ends an abbreviation ("Dr.", "e.g.").
    private func isAbbreviation(before index: String.Index) -> Bool {
        guard buffer[index] == "." else { return false }
        var start = index
        while start > buffer.startIndex, !buffer[buffer.index(before: start)].isWhitespace { start = buffer.index(before: start) }
        let word = buffer[start..<index].trimmingCharacters(in: .punctuationCharacters.subtracting(.init(charactersIn: "."))).lowercased()
        return Self.abbreviations.contains(word)
    }
}
