/// How long a failed job waits before its next attempt: exponential backoff with full jitter
/// (a uniformly random delay between zero and the capped exponential), which spreads retries of jobs
/// that failed together instead of retrying them in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public static let defaultBase: Duration = .seconds(1)
    public static let defaultCap: Duration = .seconds(3600)

    /// The ceiling of the first retry's delay; each further attempt doubles it.
    public var base: Duration
    /// The largest ceiling any retry can have.
    public var cap: Duration

    public init(base: Duration = RetryPolicy.defaultBase, cap: Duration = RetryPolicy.defaultCap) {
        self.base = base
        self.cap = cap
    }

    public static let `default` = RetryPolicy()

    /// The upper bound of the delay after the given failed attempt (1-based).
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let seconds = base.seconds * Double(1 << UInt64(exponent))
        return .seconds(min(seconds, cap.seconds))
    }

    /// A random delay in `0...ceiling(afterAttempt:)`.
    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Duration {
        let upper = ceiling(afterAttempt: attempt).seconds
        guard upper > 0 else { return .zero }
        return .seconds(Double.random(in: 0...upper, using: &generator))
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }
}
