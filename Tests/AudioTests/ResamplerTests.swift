import Audio
import Foundation
import Testing

@Suite struct ResamplerTests {
    static func tone(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 10_000) -> [Int16] {
        (0..<Int(Double(rate) * seconds)).map { Int16(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    /// The amplitude of `frequency` in `samples` (a single-bin Fourier sum over whole samples).
    static func amplitude(of frequency: Double, in samples: [Int16], rate: Int) -> Double {
        var (re, im) = (0.0, 0.0)
        for (index, sample) in samples.enumerated() {
            let phase = 2 * Double.pi * frequency * Double(index) / Double(rate)
            re += Double(sample) * cos(phase)
            im += Double(sample) * sin(phase)
        }
        return 2 * (re * re + im * im).squareRoot() / Double(samples.count)
    }

    /// Speech-band tones pass at their level; tones above the new rate's 4 kHz Nyquist frequency
    /// are filtered out instead of folding back into the band (dropping two of every three samples
    /// would turn 5 kHz at 24 kHz into a full-level 3 kHz).
    @Test(arguments: [16_000, 22_050, 24_000])
    func keepsTheBandAndRemovesWhatWouldAlias(rate: Int) {
        var resampler = Resampler(from: rate, to: 8_000)
        let passed = resampler.process(Self.tone(1_000, rate: rate, seconds: 1)) + resampler.finish()
        #expect(abs(passed.count - 8_000) <= 2, "\(passed.count) samples for one second")
        let kept = Self.amplitude(of: 1_000, in: Array(passed[400..<7_600]), rate: 8_000)
        #expect(abs(kept - 10_000) < 300, "1 kHz came out at \(kept)")

        var filter = Resampler(from: rate, to: 8_000)
        let high = rate > 16_000 ? 5_000.0 : 6_000.0
        let filtered = filter.process(Self.tone(high, rate: rate, seconds: 1)) + filter.finish()
        let alias = 8_000 - high
        let leaked = Self.amplitude(of: alias, in: Array(filtered[400..<7_600]), rate: 8_000)
        #expect(leaked < 100, "\(high) Hz leaked into \(alias) Hz at \(leaked) (more than -40 dB)")
    }

    /// A stream cut into uneven chunks gives the same samples as the whole at once.
    @Test func chunksGiveTheSameOutputAsTheWhole() {
        let input = Self.tone(440, rate: 24_000, seconds: 0.5) + Self.tone(1_300, rate: 24_000, seconds: 0.5)
        var whole = Resampler(from: 24_000, to: 8_000)
        let expected = whole.process(input) + whole.finish()
        var chunked = Resampler(from: 24_000, to: 8_000)
        var output: [Int16] = []
        var start = 0
        var size = 1
        while start < input.count {
            let end = min(input.count, start + size)
            output += chunked.process(Array(input[start..<end]))
            start = end
            size = size * 3 % 997 + 1
        }
        output += chunked.finish()
        #expect(output == expected)
    }

    @Test func upsamplingKeepsATone() {
        var resampler = Resampler(from: 8_000, to: 16_000)
        let output = resampler.process(Self.tone(700, rate: 8_000, seconds: 1)) + resampler.finish()
        #expect(abs(output.count - 16_000) <= 2)
        #expect(abs(Self.amplitude(of: 700, in: Array(output[800..<15_200]), rate: 16_000) - 10_000) < 300)
    }
}
