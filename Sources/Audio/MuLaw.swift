/// G.711 μ-law, the 8 kHz telephone encoding Twilio's media streams carry: one byte per sample,
/// a sign, a 3-bit segment and a 4-bit step, biased by 0x84 and clipped at 32,635.
public enum MuLaw {
    static let bias: Int32 = 0x84
    static let clip: Int32 = 32_635
    /// The byte of a silent line (zero).
    public static let silence: UInt8 = 0xFF

    /// The 16-bit linear sample of each byte, computed once.
    static let decoded: [Int16] = (0...255).map { decodeOne(UInt8($0)) }

    public static func encode(_ sample: Int16) -> UInt8 {
        var magnitude = Int32(sample)
        let sign: Int32 = magnitude < 0 ? 0x80 : 0
        if sign != 0 { magnitude = -magnitude }
        magnitude = min(magnitude, clip) + bias
        var segment: Int32 = 7
        var mask: Int32 = 0x4000
        while segment > 0, magnitude & mask == 0 {
            segment -= 1
            mask >>= 1
        }
        let step = (magnitude >> (segment + 3)) & 0x0F
        return ~UInt8(truncatingIfNeeded: sign | (segment << 4) | step)
    }

    public static func decode(_ byte: UInt8) -> Int16 { decoded[Int(byte)] }

    static func decodeOne(_ byte: UInt8) -> Int16 {
        let value = Int32(~byte)
        let segment = (value >> 4) & 0x07
        let magnitude = (((value & 0x0F) << 3) + bias) << segment
        return Int16(value & 0x80 != 0 ? bias - magnitude : magnitude - bias)
    }

    public static func encode(_ samples: [Int16]) -> [UInt8] { samples.map(encode) }

    public static func decode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Int16] { bytes.map(decode) }
}
