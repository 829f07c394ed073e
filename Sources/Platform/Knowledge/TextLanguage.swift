/// Which of PostgreSQL's text-search configurations fits a text: the language whose most common
/// words it uses most, or `simple` (no stemming) when none stands out.
public enum TextLanguage {
    static let commonWords: [(config: String, words: Set<String>)] = [
        ("english", ["the", "and", "of", "to", "is", "in", "you", "for", "are", "with", "our", "we", "on", "your", "from"]),
        ("german", ["der", "die", "das", "und", "ist", "nicht", "mit", "sie", "wir", "ein", "eine", "zu", "den", "von", "auf"]),
        ("french", ["le", "la", "les", "et", "est", "des", "une", "pour", "nous", "vous", "dans", "du", "sur", "pas", "au"]),
        ("spanish", ["el", "los", "las", "y", "es", "una", "para", "con", "por", "del", "que", "nuestro", "su", "se", "al"]),
        ("italian", ["il", "lo", "gli", "e", "è", "della", "per", "con", "che", "non", "una", "sono", "nel", "alla", "dei"]),
        ("dutch", ["de", "het", "een", "en", "is", "van", "niet", "met", "wij", "voor", "op", "zijn", "ons", "naar", "dat"]),
        ("portuguese", ["o", "os", "as", "e", "é", "uma", "para", "com", "não", "do", "da", "em", "nosso", "são", "pelo"]),
    ]

    /// The configuration for `text`, judged by its first few thousand words.
    public static func configuration(for text: String) -> String {
        var counts: [String: Int] = [:]
        var words = 0
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }).prefix(5_000) {
            words += 1
            for (config, common) in commonWords where common.contains(String(word)) { counts[config, default: 0] += 1 }
        }
        guard let best = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
              best.value >= max(2, words / 50) else { return "simple" }
        return best.key
    }
}
