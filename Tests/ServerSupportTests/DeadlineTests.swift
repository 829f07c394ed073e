import Synchronization
@testable import ServerSupport
import Testing

/// Work under a deadline: its result when it finishes in time, `Exceeded` when stuck, the watch's
/// error as soon as the watch sees it, and nothing kept by the shared monitor afterwards.
@Suite(.timeLimit(.minutes(1))) struct DeadlineTests {
    struct Closed: Error {}

    @Test func resultsInTimeExceededWhenStuckAndTheWatchEndsTheWaitEarly() async throws {
        // Many at once, as a busy worker's statements are: every result comes back.
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<500 {
                group.addTask {
                    try await Deadline.run(within: .seconds(30)) {
                        try await Task.sleep(for: .milliseconds(index % 5))
                        return index
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(sums == (0..<500).reduce(0, +))

        // Work that never finishes: the caller hears of it at the limit, give or take the monitor's tick.
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: Deadline.Exceeded.self) {
            try await Deadline.run(within: .milliseconds(200)) { try await Task.sleep(for: .seconds(3_600)) }
        }
        let waited = clock.now - started
        #expect(waited >= .milliseconds(200) && waited < .seconds(10), "waited \(waited)")

        // No limit, but a watch whose condition turns: the wait ends with the watch's error.
        let closed = Atomic<Bool>(false)
        let watch = Deadline.Watch(every: .milliseconds(20)) { closed.load(ordering: .relaxed) ? Closed() : nil }
        let stuck = Task { try await Deadline.run(within: nil, watch: watch) { try await Task.sleep(for: .seconds(3_600)) } }
        try await Task.sleep(for: .milliseconds(50))
        closed.store(true, ordering: .relaxed)
        await #expect(throws: Closed.self) { try await stuck.value }

        // Finished work leaves nothing behind in the monitor (other tests' work may still be in flight).
        let until = ContinuousClock.now + .seconds(10)
        while DeadlineMonitor.shared.kept > 0 && ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(10)) }
        #expect(DeadlineMonitor.shared.kept == 0)
    }

    @Test func cancellingTheCallerEndsTheWaitAtOnce() async throws {
        let waiter = Task {
            try await Deadline.run(within: .seconds(3_600)) { try await Task.sleep(for: .seconds(3_600)) }
        }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    /// The monitor's task ends once it has nothing to keep and starts again with the next entry,
    /// whose limit is then kept like any other.
    @Test func theMonitorStartsAgainAfterItWentIdle() async throws {
        let monitor = DeadlineMonitor(idleTicks: 2)
        let failures = Atomic<Int>(0)
        func entry(_ limit: Duration) -> DeadlineMonitor.Entry {
            DeadlineMonitor.Entry(limit: limit, deadline: .now + limit, watch: nil, nextLook: nil,
                                  fail: { _ in failures.add(1, ordering: .relaxed) })
        }
        monitor.forget(monitor.keep(entry(.seconds(3_600))))
        #expect(monitor.isRunning)
        try await waitUntil { !monitor.isRunning }
        _ = monitor.keep(entry(.milliseconds(30)))
        #expect(monitor.isRunning)
        try await waitUntil { failures.load(ordering: .relaxed) == 1 }
        #expect(monitor.kept == 0, "a past deadline is forgotten once it failed its entry")
        try await waitUntil { !monitor.isRunning }
    }

    /// Polls `condition` until it holds, failing after ten seconds.
    private func waitUntil(_ condition: () -> Bool) async throws {
        let until = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < until else {
                Issue.record("condition not met within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
