import Foundation
import Providers
import ServerSupport

/// How a call's caller and assistant talk (`CONVERSATION_TRANSPORT`): `gather`, turn by turn through
/// Twilio's `<Gather input="speech">` and its voices (nothing but Twilio and a language model), or
/// `stream`, a bidirectional media stream to this API with the platform's own voice activity,
/// speech to text, voices and barge-in.
public enum ConversationTransport: String, Sendable, Equatable {
    case gather
    case stream

    /// The transport of the environment; `stream` needs a voice provider and a speech-to-text key.
    public static func from(_ environment: Environment, voices: Voices) throws -> ConversationTransport {
        let text = environment.string("CONVERSATION_TRANSPORT", default: "gather")
        guard let transport = ConversationTransport(rawValue: text) else {
            throw ConfigurationError("CONVERSATION_TRANSPORT", "expected gather or stream")
        }
        if transport == .stream {
            guard !voices.synthesizers.isEmpty else {
                throw ConfigurationError("CONVERSATION_TRANSPORT", "stream needs a voice: set OPENAI_API_KEY, ELEVENLABS_API_KEY or AZURE_SPEECH_KEY")
            }
            func set(_ name: String) -> Bool { environment[name].map { !$0.isEmpty } == true }
            guard set("DEEPGRAM_API_KEY") || set("TRANSCRIPTION_API_KEY") || environment["TRANSCRIPTION_BASE_URL"] != nil else {
                throw ConfigurationError("CONVERSATION_TRANSPORT", "stream needs speech to text: set DEEPGRAM_API_KEY (live), "
                                                                   + "TRANSCRIPTION_API_KEY, or TRANSCRIPTION_BASE_URL for a self-hosted server")
            }
        }
        return transport
    }
}
