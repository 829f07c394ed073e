/// The TwiML answers of the voice webhook: what Twilio does when a call connects.
public enum TwiML {
    /// The assistant greets the caller in its language and voice, then hands the call's audio to the
    /// media stream when one is configured, or listens for the caller's first turn (`gather`), else
    /// hangs up politely. `recordingCallback`, when given, records the whole call from its start
    /// (`<Start><Recording>`, both parties on their own channel) and names where Twilio reports the
    /// finished recording.
    public static func greeting(_ text: String, language: String, voice: String?, stream: StreamTarget?, gather: Gather? = nil,
                                recordingCallback: String? = nil) -> String {
        var body = ""
        if let recordingCallback {
            body += "<Start><Recording recordingStatusCallback=\"\(MarkupText.escape(recordingCallback))\" "
                + "recordingStatusCallbackEvent=\"completed\" channels=\"dual\"/></Start>"
        }
        if stream == nil, let gather {
            return document(body + gather.element(saying: text, language: language, voice: voice))
        }
        if !text.isEmpty { body += say(text, language: language, voice: voice) }
        if let stream {
            let parameters = stream.parameters.map { "<Parameter name=\"\(MarkupText.escape($0.0))\" value=\"\(MarkupText.escape($0.1))\"/>" }
                .joined()
            body += "<Connect><Stream url=\"\(MarkupText.escape(stream.url))\">\(parameters)</Stream></Connect>"
        } else {
            body += "<Hangup/>"
        }
        return document(body)
    }

    /// The assistant's reply of a turn, then the next turn's listening.
    public static func reply(_ text: String, language: String, voice: String?, gather: Gather) -> String {
        document(gather.element(saying: text, language: language, voice: voice))
    }

    /// The assistant's last words, then the end of the call.
    public static func farewell(_ text: String, language: String, voice: String?) -> String {
        document(say(text, language: language, voice: voice) + "<Hangup/>")
    }

    /// The assistant's words, then the caller is connected to `number`.
    public static func transfer(_ text: String, language: String, voice: String?, to number: String) -> String {
        document(say(text, language: language, voice: voice) + "<Dial>\(MarkupText.escape(number))</Dial>")
    }

    /// The caller connected to `number` at once: what a streamed call, whose assistant has already
    /// said its words in its own voice, is redirected to.
    public static func dial(_ number: String) -> String {
        document("<Dial>\(MarkupText.escape(number))</Dial>")
    }

    /// Listening for one turn of speech: Twilio says the nested text, recognises the caller's answer in
    /// `language`, and posts it (`SpeechResult`, `Confidence`) to `action`; after `silenceSeconds`
    /// without speech it posts with no result (`actionOnEmptyResult`), so silence is a turn too.
    public struct Gather: Sendable, Equatable {
        public var action: String
        public var silenceSeconds: Int

        public init(action: String, silenceSeconds: Int) {
            self.action = action
            self.silenceSeconds = min(max(silenceSeconds, 1), 60)
        }

        func element(saying text: String, language: String, voice: String?) -> String {
            "<Gather input=\"speech\" action=\"\(MarkupText.escape(action))\" method=\"POST\" language=\"\(MarkupText.escape(language))\" "
                + "speechTimeout=\"auto\" timeout=\"\(silenceSeconds)\" actionOnEmptyResult=\"true\">"
                + say(text, language: language, voice: voice) + "</Gather>"
        }
    }

    static func say(_ text: String, language: String, voice: String?) -> String {
        guard !text.isEmpty else { return "" }
        let voiceAttribute = voice.map { " voice=\"\(MarkupText.escape($0))\"" } ?? ""
        return "<Say language=\"\(MarkupText.escape(language))\"\(voiceAttribute)>\(MarkupText.escape(text))</Say>"
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
