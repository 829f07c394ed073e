import Foundation

/// Where a connection's event loop leaves replies for the thread that waits on them: replies in
/// order, then the failure that ended the connection (a reply that arrived before it is still read).
final class RedisReplyInbox: @unchecked Sendable {
    // @unchecked: every mutable field is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var replies: [RedisConnection.Reply] = []
    private var head = 0
    private var failure: RedisConnection.Failure?
    private var ready = false
    private var poisoned = false

    func deliver(_ reply: RedisConnection.Reply) {
        condition.lock()
        defer { condition.unlock() }
        guard !poisoned else { return }
        replies.append(reply)
        condition.broadcast()
    }

    /// The TLS handshake finished (or the connection has no TLS).
    func markReady() {
        condition.lock()
        defer { condition.unlock() }
        ready = true
        condition.broadcast()
    }

    /// The first failure is the one reported; the close that follows it says less.
    func fail(_ failure: RedisConnection.Failure) {
        condition.lock()
        defer { condition.unlock() }
        if self.failure == nil { self.failure = failure }
        condition.broadcast()
    }

    /// Ends the connection for its reader now: replies that arrive or wait unread are dropped, as a
    /// late reply would be taken for the next command's.
    func poison(_ failure: RedisConnection.Failure) {
        condition.lock()
        defer { condition.unlock() }
        if self.failure == nil { self.failure = failure }
        poisoned = true
        replies.removeAll()
        head = 0
        condition.broadcast()
    }

    var failed: RedisConnection.Failure? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Waits for the next reply until `deadline` (nil: no deadline).
    func next(deadline: ContinuousClock.Instant?) throws -> RedisConnection.Reply {
        condition.lock()
        defer { condition.unlock() }
        while head == replies.count {
            if let failure { throw failure }
            try wait(until: deadline, for: "a reply")
        }
        let reply = replies[head]
        head += 1
        if head == replies.count {
            replies.removeAll(keepingCapacity: true)
            head = 0
        }
        return reply
    }

    func waitUntilReady(deadline: ContinuousClock.Instant) throws {
        condition.lock()
        defer { condition.unlock() }
        while !ready {
            if let failure { throw failure }
            try wait(until: deadline, for: "the TLS handshake")
        }
    }

    /// Called with `condition` held.
    private func wait(until deadline: ContinuousClock.Instant?, for what: String) throws {
        guard let deadline else {
            condition.wait()
            return
        }
        let left = deadline - .now
        if left <= .zero { throw RedisConnection.Failure(description: "no answer from Redis within the timeout while waiting for \(what)") }
        _ = condition.wait(until: Date(timeIntervalSinceNow: left.seconds))
    }
}
