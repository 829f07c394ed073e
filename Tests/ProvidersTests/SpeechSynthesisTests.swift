import Foundation
import Providers
import ServerSupport
import Synchronization
import Testing
import TestSupport

/// The text-to-speech clients against a stand-in that speaks each provider's wire format: the audio
/// streams through in its format, the request is the provider's, and failures are named.
@Suite(.timeLimit(.minutes(1))) struct SpeechSynthesisTests {
    static func collect(_ synthesizer: any SpeechSynthesizer, _ text: String, voice: String = "alloy",
                        timeout: Duration = .seconds(5)) async throws(SpeechFailure) -> (bytes: [UInt8], chunks: Int) {
        let audio = Mutex<([UInt8], Int)>(([], 0))
        try await synthesizer.speak(text, voice: voice, language: "de-DE", timeout: timeout) { chunk in
            audio.withLock { $0.0 += chunk; $0.1 += 1 }
        }
        return audio.withLock { $0 }
    }

    @Test func openAIStreamsRawPCMAt24kHz() async throws {
        let standIn = SpeechStandIn()
        try await standIn.run { base in
            let client = OpenAISpeechClient(baseURL: base + "/v1", apiKey: "sk-speech", model: "gpt-4o-mini-tts")
            #expect(client.format == .pcm16(sampleRate: 24_000))
            let (bytes, chunks) = try await Self.collect(client, "Guten Tag.")
            let expected: Int = 2 * 24 * 60 * 10
            #expect(bytes.count == expected, "two bytes a sample, 60 ms a character")
            #expect(chunks > 1, "the audio arrives as it is written")
            let request = try #require(standIn.received.last)
            #expect(request.path == "/v1/audio/speech")
            #expect(request.headers["authorization"] == "Bearer sk-speech")
            let body = request.json.compactMapValues { $0 as? String }
            #expect(body == ["model": "gpt-4o-mini-tts", "voice": "alloy", "input": "Guten Tag.", "response_format": "pcm"])
        }
    }

    @Test func elevenLabsAndAzureSendTelephoneAudio() async throws {
        let standIn = SpeechStandIn()
        try await standIn.run { base in
            let eleven = ElevenLabsSpeechClient(baseURL: base, apiKey: "xi-key", model: "eleven_flash_v2_5")
            #expect(eleven.format == .muLaw8000)
            let (spoken, _) = try await Self.collect(eleven, "Hallo!", voice: "21m00Tcm4TlvDq8ikWAM")
            let expected: Int = 8 * 60 * 6
            #expect(spoken.count == expected)
            let request = try #require(standIn.received.last)
            #expect(request.path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream?output_format=ulaw_8000&optimize_streaming_latency=3")
            #expect(request.headers["xi-api-key"] == "xi-key")
            let body = request.json.compactMapValues { $0 as? String }
            #expect(body == ["model_id": "eleven_flash_v2_5", "text": "Hallo!", "language_code": "de"])

            let azure = AzureSpeechClient(endpoint: base, apiKey: "az-key")
            let (azureAudio, _) = try await Self.collect(azure, "Fish & chips <now>", voice: "de-DE-KatjaNeural")
            #expect(!azureAudio.isEmpty)
            let ssml = try #require(standIn.received.last)
            #expect(ssml.path == "/cognitiveservices/v1")
            #expect(ssml.headers["ocp-apim-subscription-key"] == "az-key")
            #expect(ssml.headers["x-microsoft-outputformat"] == "raw-8khz-8bit-mono-mulaw")
            #expect(ssml.headers["content-type"] == "application/ssml+xml")
            #expect(ssml.text.contains("name='de-DE-KatjaNeural'>Fish &amp; chips &lt;now&gt;</voice>"), "\(ssml.text)")
        }
    }

    @Test func failuresAreNamed() async throws {
        let standIn = SpeechStandIn()
        try await standIn.run { base in
            let client = OpenAISpeechClient(baseURL: base + "/v1", apiKey: nil, model: "tts-1")
            standIn.behave(.fail(status: 401, message: "bad key"))
            await #expect(throws: SpeechFailure.rejected(httpStatus: 401, message: "bad key")) { try await Self.collect(client, "Hi.") }
            standIn.behave(.fail(status: 503, message: "overloaded"))
            await #expect(throws: SpeechFailure.unavailable(httpStatus: 503, message: "overloaded")) { try await Self.collect(client, "Hi.") }
            standIn.behave(.delay(.seconds(3)))
            await #expect(throws: SpeechFailure.timedOut) { try await Self.collect(client, "Hi.", timeout: .milliseconds(300)) }
            #expect(standIn.received.allSatisfy { $0.headers["authorization"] == nil }, "no key, no header")
        }
        let closed = OpenAISpeechClient(baseURL: "http://127.0.0.1:9/v1", apiKey: nil, model: "tts-1")
        do {
            _ = try await Self.collect(closed, "Hi.", timeout: .seconds(1))
            Issue.record("nothing listens on port 9")
        } catch {
            #expect(["network_error", "timeout"].contains(error.code), "\(error)")
        }
    }

    @Test func voicesComeFromTheEnvironment() throws {
        let voices = try Voices(environment: Environment(["OPENAI_API_KEY": "sk", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
                                                          "ELEVENLABS_API_KEY": "xi", "AZURE_SPEECH_KEY": "az", "AZURE_SPEECH_REGION": "westeurope",
                                                          "TTS_TIMEOUT_MS": "2500"]))
        #expect(Set(voices.synthesizers.keys) == ["openai", "elevenlabs", "azure"] && voices.timeout == .milliseconds(2_500))
        #expect((voices.synthesizer(for: "openai") as? OpenAISpeechClient)?.baseURL == "http://127.0.0.1:1/v1")
        #expect((voices.synthesizer(for: "azure") as? AzureSpeechClient)?.endpoint == "https://westeurope.tts.speech.microsoft.com")
        #expect(voices.voices(provider: "elevenlabs", id: "default").first?.voice == "21m00Tcm4TlvDq8ikWAM")
        #expect(voices.voices(provider: "openai", id: "nova").first?.voice == "nova")
        #expect(voices.voices(provider: "polly", id: "Joanna").first?.voice == "en-US-JennyNeural",
                "an unconfigured provider falls back, never silent")
        #expect(try Voices(environment: Environment([:])).synthesizers.isEmpty)
        #expect(Voices().voices(provider: "openai", id: "nova").first == nil)
        #expect(throws: ConfigurationError.self) { try Voices(environment: Environment(["AZURE_SPEECH_KEY": "az"])) }
        let badURL = Environment(["ELEVENLABS_API_KEY": "xi", "ELEVENLABS_BASE_URL": "ftp://x"])
        #expect(throws: ConfigurationError.self) { try Voices(environment: badURL) }
    }
}
