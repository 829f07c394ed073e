/// The TwiML answers of the voice webhook: what Twilio does when a call connects.
public enum TwiML {
    /// The assistant greets the caller in its language and voice, then hands the call's audio to the
    /// media stream (the conversation engine) when one is configured, else hangs up politely.
    /// `recordingCallback`, when given, records the whole call from its start (`<Start><Recording>`,
    /// both parties on their own channel) and names where Twilio reports the finished recording.
    public static func greeting(_ text: String, language: String, voice: String?, stream: StreamTarget?, recordingCallback: String? = nil) -> String {
        var body = ""
        if let recordingCallback {
            body += "<Start><Recording recordingStatusCallback=\"\(MarkupText.escape(recordingCallback))\" recordingStatusCallbackEvent=\"completed\" channels=\"dual\"/></Start>"
        }
        if !text.isEmpty {
            let voiceAttribute = voice.map { " voice=\"\(MarkupText.escape($0))\"" } ?? ""
            body += "<Say language=\"\(MarkupText.escape(language))\"\(voiceAttribute)>\(MarkupText.escape(text))</Say>"
        }
        if let stream {
            let parameters = stream.parameters.map { "<Parameter name=\"\(MarkupText.escape($0.0))\" value=\"\(MarkupText.escape($0.1))\"/>" }.joined()
            body += "<Connect><Stream url=\"\(MarkupText.escape(stream.url))\">\(parameters)</Stream></Connect>"
        } else {
            body += "<Hangup/>"
        }
        return document(body)
    }

    /// Refuses a call before it is answered (`busy` or `rejected`); the caller is not charged.
    public static func reject(reason: String = "rejected") -> String {
        document("<Reject reason=\"\(MarkupText.escape(reason))\"/>")
    }

    /// Says why the number cannot take the call, then hangs up.
    public static func unavailable(_ message: String) -> String {
        document("<Say>\(MarkupText.escape(message))</Say><Hangup/>")
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
}
