/// A RIFF/WAVE file of 16-bit mono PCM: how an utterance goes to a speech-to-text endpoint that
/// takes files.
public enum WAV {
    public static func pcm16(_ samples: [Int16], sampleRate: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + 2 * samples.count)
        func text(_ value: String) { bytes += Array(value.utf8) }
        func int32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
        func int16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes += $0 } }
        let dataSize = 2 * samples.count
        text("RIFF")
        int32(36 + dataSize)
        text("WAVE")
        text("fmt ")
        int32(16)
        int16(1)                // PCM
        int16(1)                // mono
        int32(sampleRate)
        int32(2 * sampleRate)   // bytes a second
        int16(2)                // bytes a frame
        int16(16)               // bits a sample
        text("data")
        int32(dataSize)
        for sample in samples { withUnsafeBytes(of: sample.littleEndian) { bytes += $0 } }
        return bytes
    }
}
