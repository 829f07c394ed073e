import Audio
import Testing

@Suite struct MuLawTests {
    /// The G.711 reference values (sox's and Python's `audioop` agree on these).
    @Test func encodesAndDecodesTheReferenceValues() {
        let encoded: [(Int16, UInt8)] = [(0, 0xFF), (-1, 0x7F), (100, 0xF2), (-100, 0x72), (1000, 0xCE), (-1000, 0x4E), (32767, 0x80), (-32768, 0x00)]
        for (sample, byte) in encoded { #expect(MuLaw.encode(sample) == byte, "\(sample)") }
        let decoded: [(UInt8, Int16)] = [(0x00, -32124), (0x80, 32124), (0xFF, 0), (0x7F, 0), (0xFE, 8), (0x7E, -8)]
        for (byte, sample) in decoded { #expect(MuLaw.decode(byte) == sample, "\(byte)") }
    }

    /// Every byte decodes to a sample that encodes back to it (bar the two zeros), and any sample
    /// comes back within half its segment's step: 8 near silence, under 5 % of its size above.
    @Test func roundTripsWithinOneStep() {
        for byte in UInt8.min...UInt8.max where byte != 0x7F {
            #expect(MuLaw.encode(MuLaw.decode(byte)) == byte, "\(byte)")
        }
        for sample in stride(from: -32_000, through: 32_000, by: 7) {
            let back = Int(MuLaw.decode(MuLaw.encode(Int16(sample))))
            #expect(abs(back - sample) <= max(8, abs(sample) / 20), "\(sample) came back as \(back)")
        }
    }
}
