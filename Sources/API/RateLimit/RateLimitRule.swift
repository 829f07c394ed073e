import QueueEngine
import ServerSupport

/// One limit with its strategy, written in configuration as:
/// - `fixed:100/60s`: at most 100 requests in a window that starts with the first one;
/// - `sliding:100/60s`: at most 100 requests in any 60 seconds (a log of request times);
/// - `bucket:200@50/s`: a bucket of 200 tokens refilled at 50 per second (bursts, then a steady rate);
/// - `off`: no limit.
enum RateLimitRule: Sendable, Equatable, CustomStringConvertible {
    case fixedWindow(limit: Int, window: Duration)
    case slidingWindow(limit: Int, window: Duration)
    case tokenBucket(capacity: Int, refillPerSecond: Double)
    case off

    /// The most requests in a burst: what `X-RateLimit-Limit` reports.
    var limit: Int {
        switch self {
        case .fixedWindow(let limit, _), .slidingWindow(let limit, _): limit
        case .tokenBucket(let capacity, _): capacity
        case .off: Int.max
        }
    }

    var description: String {
        switch self {
        case .fixedWindow(let limit, let window): "fixed:\(limit)/\(window.milliseconds)ms"
        case .slidingWindow(let limit, let window): "sliding:\(limit)/\(window.milliseconds)ms"
        case .tokenBucket(let capacity, let rate): "bucket:\(capacity)@\(rate)/s"
        case .off: "off"
        }
    }

    init(parsing text: String, variable: String) throws {
        let invalid = ConfigurationError(variable, "\"\(text)\" is not a rate limit; use fixed:100/60s, sliding:100/60s, bucket:200@50/s or off")
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" {
            self = .off
            return
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw invalid }
        switch parts[0] {
        case "fixed", "sliding":
            let pieces = parts[1].split(separator: "/").map(String.init)
            guard pieces.count == 2, let limit = Int(pieces[0]), (1...1_000_000_000).contains(limit),
                  let window = Self.duration(pieces[1]) else { throw invalid }
            self = parts[0] == "fixed" ? .fixedWindow(limit: limit, window: window) : .slidingWindow(limit: limit, window: window)
        case "bucket":
            let pieces = parts[1].split(separator: "@").map(String.init)
            guard pieces.count == 2, let capacity = Int(pieces[0]), capacity > 0, pieces[1].hasSuffix("/s"),
                  capacity <= 1_000_000_000, let rate = Double(pieces[1].dropLast(2)), rate.isFinite, rate >= 0.001, rate <= 1_000_000_000
            else { throw invalid }
            self = .tokenBucket(capacity: capacity, refillPerSecond: rate)
        default:
            throw invalid
        }
    }

    /// `500ms`, `60s`, `5m`, `1h`: from a millisecond to a year.
    private static func duration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value > 0, value <= 31_622_400_000 / milliseconds else { return nil }
            return .milliseconds(value * milliseconds)
        }
        return nil
    }
}

/// The verdict on one request.
struct RateLimitDecision: Sendable, Equatable {
    let allowed: Bool
    let limit: Int
    let remaining: Int
    /// Until the allowance is whole again (fixed window: its end; sliding: the oldest entry leaves;
    /// bucket: one token back).
    let resetAfter: Duration
    /// For refusals: how long until a retry can pass.
    let retryAfter: Duration

    static let unlimited = RateLimitDecision(allowed: true, limit: Int.max, remaining: Int.max, resetAfter: .zero, retryAfter: .zero)
}
