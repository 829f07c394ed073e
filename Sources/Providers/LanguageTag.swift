/// An assistant's language (a BCP 47 tag such as `de-DE`) as the speech providers want it.
public enum LanguageTag {
    /// The primary language subtag, lowercased (`en-GB` → `en`): the ISO 639-1 code when it has two letters.
    public static func primary(_ tag: String) -> String {
        String(tag.prefix(while: { $0 != "-" }).lowercased())
    }
}
