import Logging
import QueueEngine
import Synchronization

/// Checks limits in Redis when it answers and in this process when it does not: a Redis outage
/// loosens limits to per-replica ones (said once in the log) but never refuses or stalls traffic.
/// A token bucket far from empty is spent from tokens taken ahead (`TokenLeases`), not a round trip each.
final class RateLimiter: Sendable {
    /// After a Redis failure, checks stay local this long before Redis is tried again.
    static let redisRetryInterval: Duration = .seconds(5)

    private let redis: RedisRateLimiter?
    private let local = LocalRateLimiter()
    let leases: TokenLeases
    /// Checks that went to Redis (the rest were local: leased tokens, or Redis unreachable).
    let redisChecks = Atomic<Int>(0)
    private let logger: Logger
    private let redisDownUntil = Mutex<ContinuousClock.Instant?>(nil)

    init(redis: RedisConfiguration?, keyPrefix: String = "ratelimit:", logger: Logger,
         leaseLifetime: Duration = TokenLeases.defaultLifetime) {
        self.redis = redis.map { RedisRateLimiter(configuration: $0, keyPrefix: keyPrefix) }
        self.logger = logger
        leases = TokenLeases(lifetime: leaseLifetime)
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
        var size = 0
        if case .tokenBucket(let capacity, _) = rule {
            if let decision = leases.take(key: key, limit: capacity) { return decision }
            size = TokenLeases.size(capacity: capacity)
        }
        let extra = leases.reserve(key: key, size: size)
        let sentAt = ContinuousClock.now
        do {
            redisChecks.add(1, ordering: .relaxed)
            let (answer, granted) = try await redis.check(rule, key: key, extra: extra, lifetime: leases.lifetime)
            let decision = size > 0 ? leases.settle(key: key, reserved: extra, granted: granted, decision: answer, sentAt: sentAt) : answer
            let recovered = redisDownUntil.withLock { until in
                defer { until = nil }
                return until != nil
            }
            if recovered { logger.notice("rate limiter uses Redis again") }
            return decision
        } catch {
            if size > 0 { _ = leases.settle(key: key, reserved: extra, granted: 0, decision: .unlimited, sentAt: sentAt) }
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
