import Audio
import Providers

/// Speaks one sentence on a streamed call: the voice provider's audio, as it arrives, becomes μ-law
/// 8 kHz in 20 ms frames, followed by a mark Twilio echoes once the sentence has played.
public struct SentenceSpeaker: Sendable {
    /// 20 ms of μ-law audio, the frame Twilio itself sends.
    public static let messageBytes = 160

    public let synthesizer: any SpeechSynthesizer
    public let timeout: Duration

    public init(synthesizer: any SpeechSynthesizer, timeout: Duration) {
        self.synthesizer = synthesizer
        self.timeout = timeout
    }

    /// Streams `sentence` to `send`, then the mark `mark`; answers the bytes of audio sent.
    @discardableResult
    public func speak(_ sentence: String, voice: String, language: String, mark: String,
                      send: @escaping @Sendable (MediaStreamCommand) async -> Void) async throws(SpeechFailure) -> Int {
        let input: TelephoneEncoder.Input = switch synthesizer.format {
        case .pcm16(let rate): .pcm16(sampleRate: rate)
        case .muLaw8000: .muLaw8000
        }
        let state = SpeakerState(encoder: TelephoneEncoder(input))
        try await synthesizer.speak(sentence, voice: voice, language: language, timeout: timeout) { chunk in
            for message in await state.add(chunk) { await send(.media(message)) }
        }
        for message in await state.finish() { await send(.media(message)) }
        await send(.mark(mark))
        return await state.sent
    }
}

/// The encoder and the bytes not yet sent, across the provider's chunks.
actor SpeakerState {
    private var encoder: TelephoneEncoder
    private var buffer: [UInt8] = []
    private(set) var sent = 0

    init(encoder: TelephoneEncoder) {
        self.encoder = encoder
    }

    func add(_ chunk: [UInt8]) -> [[UInt8]] {
        buffer += encoder.add(chunk)
        let whole = buffer.count / SentenceSpeaker.messageBytes * SentenceSpeaker.messageBytes
        let messages = stride(from: 0, to: whole, by: SentenceSpeaker.messageBytes).map {
            Array(buffer[$0..<$0 + SentenceSpeaker.messageBytes])
        }
        buffer.removeFirst(whole)
        sent += whole
        return messages
    }

    /// The rest, padded with the line's silence to a whole frame.
    func finish() -> [[UInt8]] {
        buffer += encoder.finish()
        defer { buffer = [] }
        guard !buffer.isEmpty else { return [] }
        buffer += [UInt8](repeating: MuLaw.silence, count: (SentenceSpeaker.messageBytes - buffer.count % SentenceSpeaker.messageBytes)
                                                              % SentenceSpeaker.messageBytes)
        sent += buffer.count
        return stride(from: 0, to: buffer.count, by: SentenceSpeaker.messageBytes).map {
            Array(buffer[$0..<$0 + SentenceSpeaker.messageBytes])
        }
    }
}
