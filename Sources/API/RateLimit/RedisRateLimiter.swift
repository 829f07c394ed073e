import Crypto
import Foundation
import QueueEngine

/// Rate limits kept in Redis, so every API replica shares them. Each check is one Lua script (one
/// round trip, atomic) that reads Redis's own clock, so replicas with skewed clocks agree. Checks
/// go through a `RedisPipeline`: concurrent checks share round trips. Scripts are called by their
/// SHA-1 (`EVALSHA`): sending and hashing the whole text on every request cost Redis a third more
/// time per check. A server that does not know a script (restarted, flushed) gets its text once.
final class RedisRateLimiter: Sendable {
    let keyPrefix: String
    private let pipeline: RedisPipeline

    init(configuration: RedisConfiguration, keyPrefix: String = "ratelimit:") {
        self.keyPrefix = keyPrefix
        pipeline = RedisPipeline.to(configuration)
    }

    func check(_ rule: RateLimitRule, key: String) async throws -> RateLimitDecision {
        try await check(rule, key: key, extra: 0, lifetime: TokenLeases.defaultLifetime).decision
    }

    /// With `extra`, a token bucket that stays at least half full grants that many tokens more
    /// (`TokenLeases`), lent for `lifetime` (the same for every check of a key); the other rules
    /// ignore both and grant none.
    func check(_ rule: RateLimitRule, key: String, extra: Int, lifetime: Duration) async throws
        -> (decision: RateLimitDecision, extraGranted: Int) {
        let script: Script, arguments: [String]
        switch rule {
        case .off:
            return (.unlimited, 0)
        case .fixedWindow(let limit, let window):
            (script, arguments) = (Self.fixedWindow, [String(limit), String(window.milliseconds)])
        case .slidingWindow(let limit, let window):
            (script, arguments) = (Self.slidingWindow, [String(limit), String(window.milliseconds), UUID().uuidString])
        case .tokenBucket(let capacity, let rate):
            (script, arguments) = (Self.tokenBucket, [String(capacity), String(rate), String(extra), String(lifetime.milliseconds)])
        }
        let keyAndArguments = ["1", keyPrefix + key] + arguments
        var reply = try await pipeline.command(["EVALSHA", script.sha1] + keyAndArguments)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            reply = try await pipeline.command(["EVAL", script.text] + keyAndArguments)
        }
        if case .error(let message) = reply { throw RedisConnection.Failure(description: message) }
        guard case .array(let items) = reply, items.count == 4 else {
            throw RedisConnection.Failure(description: "unexpected rate-limit reply \(reply)")
        }
        let numbers = items.map { item -> Int64 in if case .integer(let value) = item { value } else { 0 } }
        let decision = RateLimitDecision(allowed: numbers[0] >= 1, limit: rule.limit, remaining: Int(max(numbers[1], 0)),
                                         resetAfter: .milliseconds(max(numbers[2], 0)), retryAfter: .milliseconds(max(numbers[3], 0)))
        return (decision, Int(min(max(numbers[0] - 1, 0), Int64(extra))))
    }

    /// A script's text and the SHA-1 (hex) Redis knows it by once it ran.
    struct Script {
        let text: String
        let sha1: String

        init(_ text: String) {
            self.text = text
            sha1 = Insecure.SHA1.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    static let fixedWindow = Script(fixedWindowScript)
    static let slidingWindow = Script(slidingWindowScript)
    static let tokenBucket = Script(tokenBucketScript)

    // Each script answers {allowed (0/1; the bucket: tokens granted), remaining, reset in ms, retry-after in ms}.

    /// A counter that expires one window after its first request.
    static let fixedWindowScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
        local limit = tonumber(ARGV[1])
        if count <= limit then return {1, limit - count, ttl, 0} end
        return {0, 0, ttl, ttl}
        """

    /// A sorted set of request times: exact over any window-long span.
    static let slidingWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        if count < limit then
            redis.call('ZADD', KEYS[1], now, ARGV[3])
            redis.call('PEXPIRE', KEYS[1], window)
            local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            return {1, limit - count - 1, tonumber(oldest[2]) + window - now, 0}
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        local wait = tonumber(oldest[2]) + window - now
        return {0, 0, wait, wait}
        """

    /// Tokens and the time they were counted; refilled continuously at the rate, up to the capacity
    /// less the tokens lent. ARGV[3] extra tokens are lent beside the request's own only if the bucket
    /// keeps half its capacity; a loan lasts ARGV[4] ms (one slot) and counts as lent in its slot and
    /// the next, so one that ends within the next slot is never forgotten early. Calls for one key
    /// pass the same ARGV[4].
    static let tokenBucketScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local extra = tonumber(ARGV[3]) or 0
        local lifetime = tonumber(ARGV[4]) or 0
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'slot', 'lent', 'lent_before')
        local tokens = tonumber(state[1]) or capacity
        local at = tonumber(state[2]) or now
        local slot = 0
        local lent = 0
        local lent_before = 0
        if lifetime > 0 then
            slot = math.floor(now / lifetime)
            local stored = tonumber(state[3]) or slot
            lent = tonumber(state[4]) or 0
            lent_before = tonumber(state[5]) or 0
            if stored == slot - 1 then
                lent_before = lent
                lent = 0
            elseif stored ~= slot then
                lent_before = 0
                lent = 0
            end
        end
        tokens = math.min(capacity - lent - lent_before, tokens + math.max(0, now - at) * rate / 1000)
        local allowed = 0
        local retry = 0
        if tokens >= 1 then
            allowed = 1
            if extra > 0 and lifetime > 0 and tokens - 1 - extra >= capacity / 2 then
                allowed = 1 + extra
                lent = lent + extra
            end
            tokens = tokens - allowed
        else
            retry = math.ceil((1 - tokens) * 1000 / rate)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now, 'slot', slot, 'lent', lent, 'lent_before', lent_before)
        redis.call('PEXPIRE', KEYS[1], math.max(math.ceil(capacity * 1000 / rate), 2 * lifetime) + 1000)
        local reset = math.ceil((capacity - tokens) * 1000 / rate)
        return {allowed, math.floor(tokens), reset, retry}
        """
}
