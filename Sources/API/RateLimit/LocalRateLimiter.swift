import Foundation
import QueueEngine
import Synchronization

/// The same three strategies in this process's memory: the fallback while Redis is unreachable.
/// Limits then hold per replica instead of across replicas, which is looser but never blocks traffic.
final class LocalRateLimiter: Sendable {
    static let maximumKeys = 100_000

    private enum State {
        case window(count: Int, endsAt: ContinuousClock.Instant)
        case log([ContinuousClock.Instant])
        case bucket(tokens: Double, at: ContinuousClock.Instant)
    }

    private let states = Mutex<[String: State]>([:])

    func check(_ rule: RateLimitRule, key: String, now: ContinuousClock.Instant = .now) -> RateLimitDecision {
        states.withLock { states in
            if states.count > Self.maximumKeys { states.removeAll(keepingCapacity: true) }
            switch rule {
            case .off:
                return .unlimited
            case .fixedWindow(let limit, let window):
                var (count, endsAt) = (0, now + window)
                if case .window(let previous, let end)? = states[key], end > now { (count, endsAt) = (previous, end) }
                count += 1
                states[key] = .window(count: count, endsAt: endsAt)
                let reset = endsAt - now
                return RateLimitDecision(allowed: count <= limit, limit: limit, remaining: max(limit - count, 0),
                                         resetAfter: reset, retryAfter: count <= limit ? .zero : reset)
            case .slidingWindow(let limit, let window):
                var times: [ContinuousClock.Instant] = []
                if case .log(let previous)? = states[key] { times = previous.filter { $0 > now - window } }
                guard times.count < limit else {
                    states[key] = .log(times)
                    let wait = times[0] + window - now
                    return RateLimitDecision(allowed: false, limit: limit, remaining: 0, resetAfter: wait, retryAfter: wait)
                }
                times.append(now)
                states[key] = .log(times)
                return RateLimitDecision(allowed: true, limit: limit, remaining: limit - times.count,
                                         resetAfter: times[0] + window - now, retryAfter: .zero)
            case .tokenBucket(let capacity, let rate):
                var (tokens, at) = (Double(capacity), now)
                if case .bucket(let previous, let time)? = states[key] { (tokens, at) = (previous, time) }
                tokens = min(Double(capacity), tokens + max((now - at).seconds, 0) * rate)
                let allowed = tokens >= 1
                if allowed { tokens -= 1 }
                states[key] = .bucket(tokens: tokens, at: now)
                let retry: Duration = allowed ? .zero : .milliseconds(Int64(((1 - tokens) * 1000 / rate).rounded(.up)))
                return RateLimitDecision(allowed: allowed, limit: capacity, remaining: Int(tokens.rounded(.down)),
                                         resetAfter: .milliseconds(Int64(((Double(capacity) - tokens) * 1000 / rate).rounded(.up))),
                                         retryAfter: retry)
            }
        }
    }
}
