@testable import API
import Foundation
import HTTPTypes
import Jobs
import Logging
import Platform
import QueueEngine
import ServerSupport
import Testing

/// The three strategies against the real Redis, their in-process twins, and the HTTP behaviour:
/// 429 with Retry-After, per-caller allowances, and Redis outages that loosen limits but never stop
/// traffic.
@Suite(.timeLimit(.minutes(5))) struct RateLimitTests {
    static func redisLimiter() throws -> RateLimiter {
        RateLimiter(redis: try APIHarness.configuration().redis, keyPrefix: "test-\(UUID().uuidString.prefix(8)):", logger: APIHarness.logger)
    }

    // The arithmetic, exactly, on the in-process limiter with a clock the test moves.

    @Test func fixedWindowArithmetic() {
        let limiter = LocalRateLimiter()
        let t0 = ContinuousClock.now
        let rule = RateLimitRule.fixedWindow(limit: 3, window: .seconds(10))
        let decisions = (0..<5).map { limiter.check(rule, key: "k", now: t0 + .seconds($0)) }
        #expect(decisions.map(\.allowed) == [true, true, true, false, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0, 0])
        #expect(decisions[3].retryAfter == .seconds(7))
        #expect(limiter.check(rule, key: "other", now: t0 + .seconds(4)).allowed)
        let next = limiter.check(rule, key: "k", now: t0 + .seconds(10))
        #expect(next.allowed && next.remaining == 2)
    }

    @Test func slidingWindowArithmetic() {
        let limiter = LocalRateLimiter()
        let t0 = ContinuousClock.now
        let rule = RateLimitRule.slidingWindow(limit: 2, window: .seconds(10))
        #expect(limiter.check(rule, key: "k", now: t0).allowed)
        #expect(limiter.check(rule, key: "k", now: t0 + .seconds(4)).allowed)
        let refused = limiter.check(rule, key: "k", now: t0 + .seconds(6))
        #expect(!refused.allowed)
        // The first request leaves the window at t0+10: 4 s from t0+6, not a whole window.
        #expect(refused.retryAfter == .seconds(4))
        #expect(limiter.check(rule, key: "k", now: t0 + .seconds(10) + .milliseconds(1)).allowed)
        #expect(!limiter.check(rule, key: "k", now: t0 + .seconds(11)).allowed, "only one slot came back")
    }

    @Test func tokenBucketArithmetic() {
        let limiter = LocalRateLimiter()
        let t0 = ContinuousClock.now
        let rule = RateLimitRule.tokenBucket(capacity: 3, refillPerSecond: 2)
        #expect((0..<3).allSatisfy { _ in limiter.check(rule, key: "k", now: t0).allowed })
        let refused = limiter.check(rule, key: "k", now: t0)
        #expect(!refused.allowed)
        #expect(refused.retryAfter == .milliseconds(500))
        #expect(limiter.check(rule, key: "k", now: t0 + .milliseconds(500)).allowed)
        #expect(!limiter.check(rule, key: "k", now: t0 + .milliseconds(600)).allowed)
        // A long pause refills only up to the capacity.
        let later = t0 + .seconds(60)
        #expect((0..<3).allSatisfy { _ in limiter.check(rule, key: "k", now: later).allowed })
        #expect(!limiter.check(rule, key: "k", now: later).allowed)
    }

    // The same strategies in Redis (Redis's clock, so real time passes; windows are wide enough that
    // a busy machine does not blur them).

    @Test func redisFixedWindow() async throws {
        let limiter = try Self.redisLimiter()
        // A window far longer than five checks take even on a loaded machine.
        let rule = RateLimitRule.fixedWindow(limit: 3, window: .seconds(60))
        var decisions: [RateLimitDecision] = []
        for _ in 0..<5 { decisions.append(await limiter.check(rule, key: "fixed")) }
        #expect(limiter.usesRedis)
        #expect(decisions.map(\.allowed) == [true, true, true, false, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0, 0])
        #expect(decisions[3].retryAfter > .zero && decisions[3].retryAfter <= .seconds(60))
        #expect(await limiter.check(rule, key: "fixed-other").allowed)

        // The window ends: a one-second window refuses a second request (tried again should a window
        // end between the two), and after the refusal's retryAfter the key is allowed again.
        let short = RateLimitRule.fixedWindow(limit: 1, window: .seconds(1))
        var refusal: (key: String, decision: RateLimitDecision)?
        for attempt in 0..<10 where refusal == nil {
            let key = "fixed-reset-\(attempt)"
            _ = await limiter.check(short, key: key)
            let second = await limiter.check(short, key: key)
            if !second.allowed { refusal = (key, second) }
        }
        let (key, refused) = try #require(refusal)
        #expect(refused.retryAfter > .zero && refused.retryAfter <= .seconds(1))
        try await Task.sleep(for: refused.retryAfter + .milliseconds(50))
        #expect(await limiter.check(short, key: key).allowed)
    }

    @Test func redisSlidingWindow() async throws {
        let limiter = try Self.redisLimiter()
        let window: Duration = .seconds(10)
        let rule = RateLimitRule.slidingWindow(limit: 2, window: window)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await limiter.check(rule, key: "sliding").allowed)
        try await Task.sleep(for: .milliseconds(500))
        #expect(await limiter.check(rule, key: "sliding").allowed)
        let refused = await limiter.check(rule, key: "sliding")
        let elapsed = clock.now - start
        #expect(!refused.allowed)
        // The wait ends when the first request ages out, not a whole window after the last.
        #expect(refused.retryAfter <= window - .milliseconds(400), "\(refused.retryAfter)")
        #expect(refused.retryAfter >= window - elapsed - .milliseconds(50), "\(refused.retryAfter)")
        #expect(await limiter.check(rule, key: "sliding-other").allowed)
    }

    @Test func redisTokenBucket() async throws {
        let limiter = try Self.redisLimiter()
        // One token per 4 s: a loaded machine (other suites run beside this one) cannot refill the
        // bucket between the requests below.
        let rule = RateLimitRule.tokenBucket(capacity: 3, refillPerSecond: 0.25)
        var allowed = 0
        for _ in 0..<3 where await limiter.check(rule, key: "bucket").allowed { allowed += 1 }
        #expect(allowed == 3)
        let refused = await limiter.check(rule, key: "bucket")
        #expect(!refused.allowed)
        #expect(refused.retryAfter > .seconds(2) && refused.retryAfter <= .seconds(4), "\(refused.retryAfter)")
        try await Task.sleep(for: refused.retryAfter + .milliseconds(30))
        #expect(await limiter.check(rule, key: "bucket").allowed)
    }

    /// Scripts are called by their SHA-1; a Redis that lost them (restarted, `SCRIPT FLUSH`) gets
    /// their text and answers, instead of the limiter falling back to this process's limits.
    @Test func aRedisThatForgotTheScriptsIsSentTheirText() async throws {
        let configuration = try #require(try APIHarness.configuration().redis)
        let limiter = RedisRateLimiter(configuration: configuration, keyPrefix: "test-\(UUID().uuidString.prefix(8)):")
        let connection = try RedisConnection(configuration: configuration, connectTimeout: .seconds(2), readTimeout: .seconds(2))
        let rule = RateLimitRule.fixedWindow(limit: 5, window: .seconds(60))
        let sha1 = RedisRateLimiter.fixedWindow.sha1
        #expect(try connection.command(["SCRIPT", "LOAD", RedisRateLimiter.fixedWindowScript]) == .string(sha1), "Redis's own hash")
        for expected in [4, 3] {
            _ = try connection.command(["SCRIPT", "FLUSH"])
            #expect(try connection.command(["SCRIPT", "EXISTS", sha1]) == .array([.integer(0)]))
            let decision = try await limiter.check(rule, key: "flushed")
            #expect(decision.allowed && decision.remaining == expected)
            #expect(try connection.command(["SCRIPT", "EXISTS", sha1]) == .array([.integer(1)]), "loaded again by EVAL")
        }
        #expect(try await limiter.check(rule, key: "flushed").remaining == 2, "by its SHA-1")
    }

    // Token leases: a bucket far from empty is spent from tokens taken ahead.

    @Test func leasedTokensToppedUpSpentAndExpired() {
        let leases = TokenLeases()
        let t0 = ContinuousClock.now
        let answer = RateLimitDecision(allowed: true, limit: 6_400, remaining: 5_000, resetAfter: .seconds(1), retryAfter: .zero)
        #expect(leases.take(key: "k", limit: 6_400, now: t0) == nil, "nothing taken yet")
        #expect(TokenLeases.size(capacity: 63) == 0 && TokenLeases.size(capacity: 64) == 1 && TokenLeases.size(capacity: 1 << 30) == 256)
        let first = leases.reserve(key: "k", size: 100, now: t0)
        #expect(first == 100)
        #expect(leases.reserve(key: "k", size: 100, now: t0) == 0, "a check beside the one waiting asks for nothing more")
        // Redis lent 60 of the 100; the other check's answer (no reservation) counts the pool too.
        #expect(leases.settle(key: "k", reserved: first, granted: 60, decision: answer, sentAt: t0, now: t0).remaining == 5_060)
        #expect(leases.settle(key: "k", reserved: 0, granted: 0, decision: answer, sentAt: t0, now: t0).remaining == 5_060)
        let topUp = leases.reserve(key: "k", size: 100, now: t0)
        #expect(topUp == 40, "tops the pool up to its size")
        _ = leases.settle(key: "k", reserved: topUp, granted: 0, decision: answer, sentAt: t0, now: t0)  // refused, or Redis failed
        let taken = (0..<61).map { _ in leases.take(key: "k", limit: 6_400, now: t0 + .milliseconds(10)) }
        #expect(taken.prefix(60).allSatisfy { $0?.allowed == true })
        #expect(taken[0]?.remaining == 5_059 && taken[59]?.remaining == 5_000)
        #expect(taken[60] == nil, "60 granted, 60 spent")
        let again = leases.reserve(key: "k", size: 100, now: t0)
        #expect(again == 100, "nothing left reserved by the refused check")
        // Usable until a lifetime after the check was sent, not after its answer came.
        _ = leases.settle(key: "k", reserved: again, granted: 10, decision: answer, sentAt: t0, now: t0 + .milliseconds(5))
        #expect(leases.take(key: "k", limit: 6_400, now: t0 + leases.lifetime - .milliseconds(1)) != nil)
        #expect(leases.take(key: "k", limit: 6_400, now: t0 + leases.lifetime) == nil, "unspent tokens expire")
        #expect(leases.reserve(key: "k", size: 100, now: t0 + leases.lifetime) == 100, "and are not counted any more")
        _ = leases.settle(key: "k", reserved: 100, granted: 0, decision: answer, sentAt: t0, now: t0 + leases.lifetime)
        #expect(leases.count == 0, "an empty pool with nothing reserved is forgotten")
    }

    /// Redis lends only while the bucket keeps half its capacity, and refills it only up to the
    /// capacity less what is lent until the loan ends: the bucket and the loans never hold more than
    /// the capacity together.
    @Test func redisLendsFromAHalfFullBucketAndRefillsAroundTheLoan() async throws {
        let configuration = try #require(try APIHarness.configuration().redis)
        let limiter = RedisRateLimiter(configuration: configuration, keyPrefix: "test-\(UUID().uuidString.prefix(8)):")
        let still = RateLimitRule.tokenBucket(capacity: 128, refillPerSecond: 0.001)
        let lifetime: Duration = .seconds(60)
        #expect(try await limiter.check(still, key: "half", extra: 2, lifetime: lifetime).extraGranted == 2, "128 - 3 keeps half")
        for _ in 0..<58 { _ = try await limiter.check(still, key: "half", extra: 0, lifetime: lifetime) }
        #expect(try await limiter.check(still, key: "half", extra: 2, lifetime: lifetime).extraGranted == 2, "67 - 3 = 64 keeps half")
        let refused = try await limiter.check(still, key: "half", extra: 2, lifetime: lifetime)
        #expect(refused.extraGranted == 0 && refused.decision.allowed && refused.decision.remaining == 63, "64 - 3 would not")

        // 100 tokens a second: the pauses below refill far more than the loan.
        // A loan counts in its one-second slot and the next: for at least a second, at most two.
        let fast = RateLimitRule.tokenBucket(capacity: 128, refillPerSecond: 100)
        let slot: Duration = .seconds(1)
        let loan = try await limiter.check(fast, key: "refill", extra: 2, lifetime: slot)
        #expect(loan.extraGranted == 2 && loan.decision.remaining == 125)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await limiter.check(fast, key: "refill", extra: 0, lifetime: slot).decision.remaining == 125,
                "refilled to 126 (128 less the 2 lent), then this request's token")
        try await Task.sleep(for: .milliseconds(2_000))
        #expect(try await limiter.check(fast, key: "refill", extra: 0, lifetime: slot).decision.remaining == 127, "the loan ended")

        // Loans every 50 ms for 600 ms: only the last two slots' loans are held back, not all twelve.
        let steady = RateLimitRule.tokenBucket(capacity: 128, refillPerSecond: 1_000)
        let tenth: Duration = .milliseconds(100)
        for _ in 0..<12 {
            _ = try await limiter.check(steady, key: "steady", extra: 2, lifetime: tenth)
            try await Task.sleep(for: .milliseconds(50))
        }
        let after = try await limiter.check(steady, key: "steady", extra: 0, lifetime: tenth).decision.remaining
        #expect(after >= 128 - 1 - 2 * 5, "\(after) left")
    }

    /// Two API processes (two limiters) spending one bucket in Redis: far from empty, one round trip
    /// serves many requests; together they never admit more than the bucket held.
    @Test func leasesNeverAdmitMoreThanTheBucketHolds() async throws {
        let prefix = "test-\(UUID().uuidString.prefix(8)):"
        let configuration = try APIHarness.configuration().redis
        // Loans that outlive the test: on a machine slow enough to leave a pool unspent for 100 ms,
        // expired loans would lose tokens, which is their cost by design, not what this test counts.
        let replicas = (0..<2).map { _ in
            RateLimiter(redis: configuration, keyPrefix: prefix, logger: APIHarness.logger, leaseLifetime: .seconds(120))
        }
        // 0.001 tokens a second: the test's minute could add 0.06 of one.
        let rule = RateLimitRule.tokenBucket(capacity: 6_400, refillPerSecond: 0.001)
        let size = TokenLeases.size(capacity: 6_400)
        /// Checks from eight concurrent callers on each replica; the allowed ones counted.
        func spend(_ perReplica: Int) async -> Int {
            await withTaskGroup(of: Int.self) { group in
                for replica in replicas {
                    for _ in 0..<8 {
                        group.addTask {
                            var allowed = 0
                            for _ in 0..<(perReplica / 8) where await replica.check(rule, key: "shared").allowed { allowed += 1 }
                            return allowed
                        }
                    }
                }
                return await group.reduce(0, +)
            }
        }
        #expect(await spend(1_000) == 2_000, "far from the limit, everything passes")
        let roundTrips = replicas.map { $0.redisChecks.load(ordering: .relaxed) }.reduce(0, +)
        #expect(roundTrips <= 500, "\(roundTrips) round trips for 2,000 checks")
        #expect(replicas.allSatisfy { $0.usesRedis })
        let total = 2_000 + (await spend(3_200))
        // Only tokens a replica still holds when the checks end are not admitted.
        #expect(total <= 6_400 && total >= 6_400 - 2 * size, "\(total) admitted from a bucket of 6,400")
        #expect(await !replicas[0].check(rule, key: "shared").allowed)
    }

    @Test func unreachableRedisFallsBackToLimitsInThisProcess() async throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let limiter = RateLimiter(redis: RedisConfiguration(host: "127.0.0.1", port: 1), logger: APIHarness.logger)
        let rule = RateLimitRule.fixedWindow(limit: 2, window: .seconds(60))
        let decisions = [await limiter.check(rule, key: "k"), await limiter.check(rule, key: "k"), await limiter.check(rule, key: "k")]
        #expect(decisions.map(\.allowed) == [true, true, false])
        #expect(!limiter.usesRedis)
    }

    /// A bucket that would lend, with Redis unreachable: the checks fall back to this process and
    /// the loan asked for is released, not left reserved for ever.
    @Test func unreachableRedisReleasesTheLoanItAskedFor() async throws {
        let limiter = RateLimiter(redis: RedisConfiguration(host: "127.0.0.1", port: 1), logger: APIHarness.logger)
        let rule = RateLimitRule.tokenBucket(capacity: 6_400, refillPerSecond: 0.001)
        let decision = await limiter.check(rule, key: "down")
        #expect(decision.allowed && decision.remaining == 6_399, "the in-process bucket answered")
        #expect(!limiter.usesRedis)
        #expect(limiter.leases.count == 0, "no reservation left behind")
    }

    @Test func aFloodIsRefusedWith429AndSpendsOnlyItsOwnAllowance() async throws {
        try await APIHarness.with(["RATE_LIMIT_WRITE": "fixed:3/60s"]) { api in
            let ownerA = try await api.register("flood-a")
            let ownerB = try await api.register("flood-b")
            let keyA = try await api.createKey(in: try await api.createWorkspace(ownerA), scopes: ["jobs:write"], by: ownerA)
            let keyB = try await api.createKey(in: try await api.createWorkspace(ownerB), scopes: ["jobs:write"], by: ownerB)
            let body = JSONValue.object(["kind": .string("platform.canary")])
            var statuses: [HTTPResponse.Status] = []
            var last: APIHarness.Reply?
            for _ in 0..<5 {
                let reply = try await api.call(.post, "/api/jobs", json: body, as: .apiKey(keyA))
                statuses.append(reply.status)
                last = reply
            }
            #expect(statuses == [.accepted, .accepted, .accepted, .tooManyRequests, .tooManyRequests])
            let refused = try #require(last)
            #expect(refused.errorCode == "rate_limited")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.headers[.rateLimitLimit] == "3")
            #expect(refused.headers[.rateLimitRemaining] == "0")
            // Tenant B is untouched by A's flood; reads are a separate allowance.
            let other = try await api.call(.post, "/api/jobs", json: body, as: .apiKey(keyB))
            #expect(other.status == .accepted)
            #expect(other.headers[.rateLimitRemaining] == "2")
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(keyA)).status == .ok)
            // Refused requests enqueued nothing.
            let listed = try await api.call(.get, "/api/jobs", as: .apiKey(keyA))
            #expect(listed["items"]?.array?.count == 3)
        }
    }

    @Test func signInAttemptsAreLimitedPerAccount() async throws {
        try await APIHarness.with(["RATE_LIMIT_LOGIN": "fixed:3/60s"]) { api in
            let user = try await api.register("guessed")
            let other = try await api.register("bystander")
            for _ in 0..<3 {
                let wrong = try await api.call(.post, "/auth/login",
                                               json: .object(["email": .string(user.email), "password": .string("not the password")]))
                #expect(wrong.status == .unauthorized)
            }
            // Even the right password waits now: the account is being guessed at.
            let blocked = try await api.call(.post, "/auth/login", json: .object(["email": .string(user.email), "password": .string(user.password)]))
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.headers[.retryAfter] != nil)
            let fine = try await api.call(.post, "/auth/login", json: .object(["email": .string(other.email), "password": .string(other.password)]))
            #expect(fine.status == .ok)
        }
    }
}
