import Synchronization

/// Tokens an API process takes from a caller's shared token bucket ahead of need, so that a caller
/// far from its limit does not cost a Redis round trip on every request.
///
/// No caller gets more than the bucket allows: tokens leave the bucket in Redis before they are
/// spent here, and Redis counts them as lent until their lifetime has surely ended, refilling the
/// bucket only up to its capacity less what is lent, so the bucket and the tokens out on loan never
/// hold more than the capacity together. Redis lends only while the bucket stays at least half full,
/// so near the limit every request is decided by Redis alone. The cost runs the other way: tokens a
/// process does not spend within `lifetime` are dropped, and the bucket refills to its capacity less
/// what it lent in the last one or two lifetimes. Buckets smaller than 64 tokens get no leases.
final class TokenLeases: Sendable {
    /// How long taken tokens stay usable: long enough for a busy process to spend them, short
    /// enough that what Redis holds back for loans (up to two lifetimes of a caller's traffic) is
    /// a sliver of its bucket.
    static let defaultLifetime: Duration = .milliseconds(100)

    let lifetime: Duration
    /// Callers with a pool at once; past this, expired pools are swept.
    static let sweepAbove = 10_000

    struct Pool {
        var tokens = 0
        /// Extra tokens asked for by checks still waiting for Redis.
        var requested = 0
        var expires: ContinuousClock.Instant
        /// What Redis last said was left in the bucket beside this pool, and when it is whole again.
        var remaining = 0
        var resetAfter: Duration = .zero
    }

    private let state = Mutex<(pools: [String: Pool], sweepAbove: Int)>(([:], TokenLeases.sweepAbove))

    init(lifetime: Duration = TokenLeases.defaultLifetime) {
        self.lifetime = lifetime
    }

    /// Extra tokens worth holding for a bucket: one in 64 of its capacity, at most 256.
    static func size(capacity: Int) -> Int {
        min(capacity / 64, 256)
    }

    /// A token from the key's pool, if it holds a fresh one.
    func take(key: String, limit: Int, now: ContinuousClock.Instant = .now) -> RateLimitDecision? {
        state.withLock { state in
            guard var pool = state.pools[key], pool.tokens > 0, now < pool.expires else { return nil }
            pool.tokens -= 1
            state.pools[key] = pool
            return RateLimitDecision(allowed: true, limit: limit, remaining: pool.remaining + pool.tokens,
                                     resetAfter: pool.resetAfter, retryAfter: .zero)
        }
    }

    /// How many extra tokens a check on its way to Redis should ask for: what tops the pool up to
    /// `size`, counting what other checks already asked for. Reserved until `settle`.
    func reserve(key: String, size: Int, now: ContinuousClock.Instant = .now) -> Int {
        guard size > 0 else { return 0 }
        return state.withLock { state in
            var pool = state.pools[key] ?? Pool(expires: now)
            if now >= pool.expires { pool.tokens = 0 }
            let extra = max(0, size - pool.tokens - pool.requested)
            pool.requested += extra
            state.pools[key] = pool
            return extra
        }
    }

    /// Ends a check that went to Redis: the extra tokens Redis granted (none when it refused,
    /// granted fewer or failed) join the pool until `lifetime` after `sentAt`, the moment the check
    /// left (never later than Redis counts them lent), with Redis's view of what is left beside
    /// them. Answers the decision with the pool counted in what remains.
    func settle(key: String, reserved: Int, granted: Int, decision: RateLimitDecision, sentAt: ContinuousClock.Instant,
                now: ContinuousClock.Instant = .now) -> RateLimitDecision {
        state.withLock { state in
            guard var pool = state.pools[key] else { return decision }
            pool.requested = max(0, pool.requested - reserved)
            if now >= pool.expires { pool.tokens = 0 }
            if granted > 0 {
                pool.tokens += granted
                pool.expires = sentAt + lifetime
                (pool.remaining, pool.resetAfter) = (decision.remaining, decision.resetAfter)
            }
            state.pools[key] = pool.tokens == 0 && pool.requested == 0 ? nil : pool
            if state.pools.count > state.sweepAbove {
                state.pools = state.pools.filter { $0.value.requested > 0 || now < $0.value.expires }
                // Sweep again only once as many more callers have come, not on every check while
                // that many are live.
                state.sweepAbove = max(Self.sweepAbove, 2 * state.pools.count)
            }
            return RateLimitDecision(allowed: decision.allowed, limit: decision.limit, remaining: decision.remaining + pool.tokens,
                                     resetAfter: decision.resetAfter, retryAfter: decision.retryAfter)
        }
    }

    /// Callers with a pool or a reservation (for tests).
    var count: Int {
        state.withLock { $0.pools.count }
    }
}
