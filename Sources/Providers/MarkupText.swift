/// Text and attribute escaping for XML and HTML built by hand (TwiML, the unsubscribe pages), where
/// no template engine escapes for us.
public enum MarkupText {
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default:
                // XML 1.0 has no representation for most control characters: drop them.
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                   scalar.value < 0x20, ![0x9, 0xA, 0xD].contains(scalar.value) { continue }
                escaped.append(character)
            }
        }
        return escaped
    }
}
