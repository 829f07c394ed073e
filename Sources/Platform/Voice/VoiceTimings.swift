/// The stages of a streamed turn, in milliseconds (nil: the stage did not happen): speech to text
/// of the caller's utterance, the voice provider's first audio of the reply, and voice to voice,
/// from the caller's last voiced frame to the reply's first frame sent to Twilio. The model's
/// first token is the turn's `firstTokenMS`.
public struct VoiceTimings: Sendable, Equatable {
    public var transcriptionMS: Int?
    public var firstAudioMS: Int?
    public var voiceToVoiceMS: Int?

    public init(transcriptionMS: Int? = nil, firstAudioMS: Int? = nil, voiceToVoiceMS: Int? = nil) {
        self.transcriptionMS = transcriptionMS
        self.firstAudioMS = firstAudioMS
        self.voiceToVoiceMS = voiceToVoiceMS
    }
}
