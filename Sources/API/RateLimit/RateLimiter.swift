import Logging
import QueueEngine
import Synchronization

/// Checks limits in Redis when it answers and in this process when it does not: a Redis outage
/// loosens limits to per-replica ones (said once in the log) but never refuses or stalls traffic.
final class RateLimiter: Sendable {
    /// After a Redis failure, checks stay local this long before Redis is tried again.
    static let redisRetryInterval: Duration = .seconds(5)

    private let redis: RedisRateLimiter?
    private let local = LocalRateLimiter()
    private let logger: Logger
    private let redisDownUntil = Mutex<ContinuousClock.Instant?>(nil)

    init(redis: RedisConfiguration?, keyPrefix: String = "ratelimit:", logger: Logger) {
        self.redis = redis.map { RedisRateLimiter(configuration: $0, keyPrefix: keyPrefix) }
        self.logger = logger
    }

    /// Whether the last checks went to Redis (false while falling back).
    var usesRedis: Bool {
        redis != nil && redisDownUntil.withLock { $0 == nil }
    }

    func check(_ rule: RateLimitRule, key: String) async -> RateLimitDecision {
        if case .off = rule { return .unlimited }
        guard let redis, redisDownUntil.withLock({ $0.map { ContinuousClock.now >= $0 } ?? true }) else {
            return local.check(rule, key: key)
        }
        do {
            let decision = try await redis.check(rule, key: key)
            let recovered = redisDownUntil.withLock { until in
                defer { until = nil }
                return until != nil
            }
            if recovered { logger.notice("rate limiter uses Redis again") }
            return decision
        } catch {
            let first = redisDownUntil.withLock { until in
                defer { until = .now + Self.redisRetryInterval }
                return until == nil
            }
            if first {
                logger.warning("rate limiter cannot reach Redis; limits are per process until it is back",
                               metadata: ["error": "\(error)"])
            }
            return local.check(rule, key: key)
        }
    }
}
