/// Whether the caller is interrupting the assistant, from the assistant's
/// `interruption_sensitivity`: 0 never lets the caller interrupt; towards 1 softer and shorter
/// sounds do (at 1, 40 ms above -45 dB). Louder and longer are needed at low sensitivity so a
/// cough or the line's noise does not cut the assistant off.
public struct BargeIn: Sendable {
    /// The level a frame must reach (dB below full scale); nil when the caller never interrupts.
    public let level: Double?
    /// Frames at that level in a row that make an interruption.
    public let frames: Int
    private var run = 0

    public init(sensitivity: Double) {
        let sensitivity = sensitivity.isFinite ? min(max(sensitivity, 0), 1) : 0
        guard sensitivity > 0 else {
            level = nil
            frames = .max
            return
        }
        level = -25 - 20 * sensitivity
        frames = max(2, Int(((600 - 560 * sensitivity) / 20).rounded()))
    }

    /// Feeds one 20 ms frame heard while the assistant speaks; true once it interrupts.
    public mutating func hears(_ frame: [Int16]) -> Bool {
        guard let level else { return false }
        run = VoiceActivityDetector.level(frame) >= level ? run + 1 : 0
        return run >= frames
    }

    /// Starts counting again (the assistant began a new sentence, or was interrupted).
    public mutating func reset() { run = 0 }
}
