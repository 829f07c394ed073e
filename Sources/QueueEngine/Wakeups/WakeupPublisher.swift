import Foundation
import Logging

/// Publishes "this queue has work" and "cancel this job" on Redis after commits, from its own thread.
///
/// `notify` never blocks and never fails. While Redis is down, the queues to wake are kept (a set of
/// names, so it stays small) and published once a reconnect succeeds, tried with backoff; workers
/// poll as a backstop meanwhile. Bursts coalesce: a queue is published at
/// most once per `coalesceWindow`, and notifications that arrive while a publish is under way are
/// sent together in one pipelined round trip.
public final class WakeupPublisher: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only while holding `condition`.
    public static let defaultCoalesceWindow: Duration = .milliseconds(2)
    /// Cancels kept while Redis is down; beyond this the oldest go (heartbeats still deliver them).
    static let maximumPendingCancels = 10_000

    private let configuration: RedisConfiguration
    private let coalesceWindow: Duration
    private let logger: Logger
    private let condition = NSCondition()
    private var pendingQueues = Set<String>()
    private var pendingCancels: [Int64] = []
    private var lastPublished: [String: ContinuousClock.Instant] = [:]
    private var unavailableUntil: ContinuousClock.Instant?
    private var stopped = false
    private var thread: Thread?

    public init(configuration: RedisConfiguration, coalesceWindow: Duration = WakeupPublisher.defaultCoalesceWindow, logger: Logger) {
        self.configuration = configuration
        self.coalesceWindow = coalesceWindow
        self.logger = logger
    }

    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil else { return }
        let thread = Thread { [self] in runLoop() }
        thread.name = "redis-publisher"
        self.thread = thread
        thread.start()
    }

    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Asks for a wake-up of the workers of these queues (call after the enqueuing commit).
    public func notify<S: Sequence>(queues: S) where S.Element == String {
        condition.lock()
        defer { condition.unlock() }
        let before = pendingQueues.count
        pendingQueues.formUnion(queues)
        if pendingQueues.count != before { condition.signal() }
    }

    /// Asks the worker running this job to stop it now.
    public func notifyCancel(jobID: Int64) {
        condition.lock()
        defer { condition.unlock() }
        if pendingCancels.count >= Self.maximumPendingCancels { pendingCancels.removeFirst() }
        pendingCancels.append(jobID)
        condition.signal()
    }

    private func runLoop() {
        var connection: RedisConnection?
        var backoff: Duration = .milliseconds(50)
        while true {
            // Take what may be sent now; queues published within the window wait for its end.
            condition.lock()
            var queues: [String] = []
            var cancels: [Int64] = []
            while !stopped {
                let now = ContinuousClock.now
                // After a failure, nothing is tried until the backoff ends; what arrives meanwhile waits.
                if let until = unavailableUntil, now < until {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: max((until - now).seconds, 0.001)))
                    continue
                }
                var nextDue: ContinuousClock.Instant?
                for queue in pendingQueues {
                    if let last = lastPublished[queue], now < last + coalesceWindow {
                        nextDue = min(nextDue ?? last + coalesceWindow, last + coalesceWindow)
                    } else {
                        queues.append(queue)
                    }
                }
                cancels = pendingCancels
                if !queues.isEmpty || !cancels.isEmpty { break }
                if let nextDue {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: max((nextDue - now).seconds, 0)))
                } else {
                    condition.wait()
                }
            }
            if stopped {
                condition.unlock()
                return
            }
            let now = ContinuousClock.now
            for queue in queues {
                pendingQueues.remove(queue)
                lastPublished[queue] = now
            }
            pendingCancels.removeAll()
            if lastPublished.count > 10_000 { lastPublished.removeAll() }
            condition.unlock()

            do {
                let live = try connection ?? RedisConnection(
                    configuration: configuration, connectTimeout: .milliseconds(200), readTimeout: .seconds(1))
                connection = live
                for queue in queues { try live.append(["PUBLISH", WakeupChannel.wake, queue]) }
                for id in cancels { try live.append(["PUBLISH", WakeupChannel.cancel, String(id)]) }
                for _ in 0..<(queues.count + cancels.count) { _ = try live.readReply() }
                backoff = .milliseconds(50)
            } catch {
                connection = nil
                // Said once per outage; the retries that follow are debug noise.
                logger.log(level: backoff == .milliseconds(50) ? .warning : .debug,
                           "wake-up publish failed; workers fall back to polling", metadata: [
                    "error": "\(error)", "retry_in_ms": "\(backoff.milliseconds)",
                ])
                condition.lock()
                unavailableUntil = .now + backoff
                // Kept for the next attempt, without the coalescing delay.
                pendingQueues.formUnion(queues)
                for queue in queues { lastPublished[queue] = nil }
                pendingCancels = Array((cancels + pendingCancels).suffix(Self.maximumPendingCancels))
                condition.unlock()
                backoff = min(backoff * 2, WakeupChannel.maximumReconnectDelay)
            }
        }
    }
}
