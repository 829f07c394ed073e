/// Turns a voice provider's audio, as it streams in, into what a phone line plays: μ-law at
/// 8 kHz. 16-bit PCM at any rate is resampled (a sample split across two chunks is joined); μ-law
/// at 8 kHz passes as it is.
public struct TelephoneEncoder: Sendable {
    public enum Input: Sendable, Equatable {
        /// Signed 16-bit little-endian mono at this rate.
        case pcm16(sampleRate: Int)
        case muLaw8000
    }

    public let input: Input
    private var resampler: Resampler?
    /// A byte of a sample whose other byte is in the next chunk.
    private var odd: UInt8?

    public init(_ input: Input) {
        self.input = input
        if case .pcm16(let rate) = input, rate != 8_000 { resampler = Resampler(from: rate, to: 8_000) }
    }

    /// The μ-law bytes of the next chunk, as far as they can be made.
    public mutating func add(_ chunk: [UInt8]) -> [UInt8] {
        guard case .pcm16 = input else { return chunk }
        var bytes = chunk
        if let odd {
            bytes.insert(odd, at: 0)
            self.odd = nil
        }
        if bytes.count % 2 == 1 { odd = bytes.removeLast() }
        var samples = [Int16](repeating: 0, count: bytes.count / 2)
        for index in samples.indices {
            samples[index] = Int16(bitPattern: UInt16(bytes[2 * index]) | UInt16(bytes[2 * index + 1]) << 8)
        }
        if resampler != nil { samples = resampler!.process(samples) }
        return MuLaw.encode(samples)
    }

    /// What is held back when the audio ends.
    public mutating func finish() -> [UInt8] {
        odd = nil
        guard resampler != nil else { return [] }
        return MuLaw.encode(resampler!.finish())
    }
}
