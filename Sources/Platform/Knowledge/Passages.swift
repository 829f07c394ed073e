/// A document's text cut into passages for retrieval: paragraphs joined up to `maximumCharacters`,
/// a longer paragraph cut at sentence ends (or, without one, at the bound).
public enum Passages {
    public static let maximumCharacters = 700

    public static func split(_ text: String, maximumCharacters: Int = Passages.maximumCharacters) -> [String] {
        var passages: [String] = []
        var current = ""
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { passages.append(trimmed) }
            current = ""
        }
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        for paragraph in paragraphs {
            for piece in pieces(of: paragraph, maximumCharacters: maximumCharacters) {
                if !current.isEmpty, current.count + 2 + piece.count > maximumCharacters { flush() }
                current += current.isEmpty ? piece : "\n\n" + piece
            }
        }
        flush()
        return passages
    }

    /// A paragraph in pieces no longer than the bound, cut after sentences where it can be.
    static func pieces(of paragraph: String, maximumCharacters: Int) -> [String] {
        guard paragraph.count > maximumCharacters else { return [paragraph] }
        var pieces: [String] = []
        var current = ""
        var sentence = ""
        func add(_ part: String) {
            if !current.isEmpty, current.count + part.count > maximumCharacters {
                pieces.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            }
            var part = Substring(part)
            while part.count > maximumCharacters {
                pieces.append(String(part.prefix(maximumCharacters)))
                part = part.dropFirst(maximumCharacters)
            }
            current += part
        }
        for character in paragraph {
            sentence.append(character)
            if ".!?".contains(character) {
                add(sentence)
                sentence = ""
            }
        }
        add(sentence)
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { pieces.append(current.trimmingCharacters(in: .whitespaces)) }
        return pieces
    }
}
