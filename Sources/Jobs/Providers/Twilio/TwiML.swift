/// The TwiML answers of the voice webhook: what Twilio does when a call connects.
public enum TwiML {
    /// The assistant greets the caller in its language and voice, then hands the call's audio to the
    /// media stream (the conversation engine) when one is configured, else hangs up politely.
    /// `recordingCallback`, when given, records the whole call from its start (`<Start><Recording>`,
    /// both parties on their own channel) and names where Twilio reports the finished recording.
    public static func greeting(_ text: String, language: String, voice: String?, stream: StreamTarget?, recordingCallback: String? = nil) -> String {
        var body = ""
        if let recordingCallback {
            body += "<Start><Recording recordingStatusCallback=\"\(escape(recordingCallback))\" recordingStatusCallbackEvent=\"completed\" channels=\"dual\"/></Start>"
        }
        if !text.isEmpty {
            let voiceAttribute = voice.map { " voice=\"\(escape($0))\"" } ?? ""
            body += "<Say language=\"\(escape(language))\"\(voiceAttribute)>\(escape(text))</Say>"
        }
        if let stream {
            let parameters = stream.parameters.map { "<Parameter name=\"\(escape($0.0))\" value=\"\(escape($0.1))\"/>" }.joined()
            body += "<Connect><Stream url=\"\(escape(stream.url))\">\(parameters)</Stream></Connect>"
        } else {
            body += "<Hangup/>"
        }
        return document(body)
    }

    /// Refuses a call before it is answered (`busy` or `rejected`); the caller is not charged.
    public static func reject(reason: String = "rejected") -> String {
        document("<Reject reason=\"\(escape(reason))\"/>")
    }

    /// Says why the number cannot take the call, then hangs up.
    public static func unavailable(_ message: String) -> String {
        document("<Say>\(escape(message))</Say><Hangup/>")
    }

    /// Where the call's audio goes, with the parameters the stream's `start` message carries.
    public struct StreamTarget: Sendable {
        public var url: String
        public var parameters: [(String, String)]

        public init(url: String, parameters: [(String, String)]) {
            self.url = url
            self.parameters = parameters
        }
    }

    /// Twilio's `<Say>` voices for the assistant's voice provider; nil lets Twilio choose.
    public static func voice(provider: String, id: String) -> String? {
        switch provider.lowercased() {
        case "polly", "amazon": "Polly.\(id)"
        case "google": "Google.\(id)"
        default: nil
        }
    }

    static func document(_ body: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\(body)</Response>"
    }

    /// XML text and attribute escaping.
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
