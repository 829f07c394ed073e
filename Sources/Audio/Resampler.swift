import Foundation

/// Converts 16-bit PCM from one sample rate to another, chunk by chunk (a text-to-speech stream
/// arrives in pieces): each output sample is the input under a windowed-sinc low-pass filter whose
/// cutoff sits below the lower rate's Nyquist frequency, so nothing above it folds back into the band
/// as it would if samples were dropped.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// The filter reaches this many zero crossings of its sinc on each side.
    static let zeroCrossings = 12.0
    /// The cutoff as a share of the lower rate's Nyquist frequency: the rest is the transition band.
    static let passband = 0.9

    /// Filter values per 1/`phases` of an input sample, computed once.
    static let phases = 256.0

    private let step: Double
    private let halfWidth: Int
    private let kernel: [Double]
    private var pending: [Float] = []
    /// The next output sample's time, in input samples from the start of `pending`.
    private var time = 0.0

    public init(from inputRate: Int, to outputRate: Int) {
        precondition(inputRate > 0 && outputRate > 0, "sample rates are positive")
        self.inputRate = inputRate
        self.outputRate = outputRate
        step = Double(inputRate) / Double(outputRate)
        let cutoff = min(1, Double(outputRate) / Double(inputRate)) * Self.passband
        let halfWidth = Int((Self.zeroCrossings / cutoff).rounded(.up))
        self.halfWidth = halfWidth
        kernel = (0...(2 * halfWidth * Int(Self.phases))).map { index in
            let distance = Double(index) / Self.phases - Double(halfWidth)
            return Self.tap(distance * cutoff) * Self.window(distance / Double(halfWidth))
        }
        // The filter is centred on each output time: the first ones look back at silence.
        pending = Array(repeating: 0, count: halfWidth)
        time = Double(halfWidth)
    }

    /// The output for `samples`, as far as the filter can see ahead; the rest comes with the next
    /// chunk or `finish()`.
    public mutating func process(_ samples: [Int16]) -> [Int16] {
        pending.append(contentsOf: samples.map(Float.init))
        return drain(upTo: pending.count - halfWidth)
    }

    /// The output still held back, as if silence followed; the resampler then starts over.
    public mutating func finish() -> [Int16] {
        let end = pending.count
        pending.append(contentsOf: repeatElement(0, count: halfWidth + 1))
        let rest = drain(upTo: end)
        pending = Array(repeating: 0, count: halfWidth)
        time = Double(halfWidth)
        return rest
    }

    private mutating func drain(upTo limit: Int) -> [Int16] {
        var output: [Int16] = []
        output.reserveCapacity(max(0, Int((Double(limit) - time) / step) + 1))
        while time < Double(limit) {
            output.append(sample(at: time))
            time += step
        }
        let consumed = max(0, Int(time) - halfWidth)
        if consumed > 0 {
            pending.removeFirst(consumed)
            time -= Double(consumed)
        }
        return output
    }

    private func sample(at time: Double) -> Int16 {
        let centre = Int(time)
        var sum = 0.0
        var weight = 0.0
        for index in max(0, centre - halfWidth + 1)...min(pending.count - 1, centre + halfWidth) {
            let tap = kernel[Int(((Double(index) - time + Double(halfWidth)) * Self.phases).rounded())]
            sum += Double(pending[index]) * tap
            weight += tap
        }
        // Normalised by the taps' sum, so a constant level passes unchanged at any rate.
        let value = weight > 0 ? sum / weight : 0
        return Int16(clamping: Int(value.rounded()))
    }

    static func tap(_ x: Double) -> Double {
        x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
    }

    /// Blackman, over -1...1.
    static func window(_ x: Double) -> Double {
        guard abs(x) < 1 else { return 0 }
        return 0.42 + 0.5 * cos(Double.pi * x) + 0.08 * cos(2 * Double.pi * x)
    }
}
