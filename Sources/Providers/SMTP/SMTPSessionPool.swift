import Synchronization

/// Connections kept open between messages, so a campaign's thousands of messages do not each pay
/// for a TCP connect, EHLO, STARTTLS and AUTH. Only a session whose last transaction succeeded
/// comes back; one idle longer than `maxIdle` is closed instead of reused (relays drop idle
/// clients after a minute or more).
final class SMTPSessionPool: Sendable {
    private struct Idle {
        let session: SMTPSession
        let since: ContinuousClock.Instant
    }

    private let idle = Mutex<[Idle]>([])
    let capacity: Int
    let maxIdle: Duration

    init(capacity: Int = 8, maxIdle: Duration = .seconds(30)) {
        self.capacity = capacity
        self.maxIdle = maxIdle
    }

    /// The most recently used idle session, if one is fresh enough.
    func take() -> SMTPSession? {
        let now = ContinuousClock.now
        let (fresh, stale) = idle.withLock { idle -> (SMTPSession?, [SMTPSession]) in
            let stale = idle.filter { now - $0.since > maxIdle }.map(\.session)
            idle.removeAll { now - $0.since > maxIdle }
            return (idle.popLast()?.session, stale)
        }
        stale.forEach { $0.close() }
        return fresh
    }

    func put(_ session: SMTPSession) {
        let overflow = idle.withLock { idle -> SMTPSession? in
            guard idle.count < capacity else { return session }
            idle.append(Idle(session: session, since: .now))
            return nil
        }
        overflow?.close()
    }
}
