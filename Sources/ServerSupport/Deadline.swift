import Synchronization

/// Runs work that must finish by a deadline. The work runs in a task of its own, so work stuck
/// where cancellation cannot reach (a lost database reply, `getaddrinfo`) cannot hold the caller:
/// when the time is up, the work is cancelled and left behind and the caller gets `Exceeded`.
/// Cancelling the caller ends the wait at once.
public enum Deadline {
    public struct Exceeded: Error, CustomStringConvertible {
        public let limit: Duration
        public var description: String { "not finished within \(limit)" }
    }

    /// A condition looked at every `interval` while the work runs; the error it returns ends the
    /// wait early (a closed connection whose reply will never come).
    public struct Watch: Sendable {
        public let interval: Duration
        public let failure: @Sendable () -> (any Error)?

        public init(every interval: Duration, failure: @escaping @Sendable () -> (any Error)?) {
            self.interval = interval
            self.failure = failure
        }
    }

    /// `operation`'s result, or `Exceeded` once `limit` passes (never when nil), or the watch's error.
    /// The limit and the watch are kept by one monitor for all work in flight (`DeadlineMonitor`),
    /// so they are met within its tick of 10 ms.
    public static func run<T: Sendable>(
        within limit: Duration?,
        watch: Watch? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.begin(continuation)
                let task = Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                }
                race.onFinish { task.cancel() }
                guard limit != nil || watch != nil else { return }
                let now = ContinuousClock.now
                let id = DeadlineMonitor.shared.keep(DeadlineMonitor.Entry(
                    limit: limit, deadline: limit.map { now + $0 }, watch: watch, nextLook: watch.map { now + $0.interval },
                    fail: { race.finish(.failure($0)) }))
                race.onFinish { DeadlineMonitor.shared.forget(id) }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}

/// The first of the operation, the deadline and the caller's cancellation to finish wins; what was
/// registered to run at the end (cancelling the operation, leaving the monitor) runs once.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var endings: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if state.result == nil { state.continuation = continuation }
            return state.result
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ ending: @escaping @Sendable () -> Void) {
        let finished = state.withLock { state -> Bool in
            if state.result == nil { state.endings.append(ending) }
            return state.result != nil
        }
        if finished { ending() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, endings) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [@Sendable () -> Void]) in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            defer { state.continuation = nil; state.endings = [] }
            return (state.continuation, state.endings)
        }
        continuation?.resume(with: result)
        for ending in endings { ending() }
    }
}

/// One task keeps the limits and watches of all bounded work in flight. A sleeping timer task per
/// operation cost every database call two extra tasks and a timer: about a tenth of one client's
/// enqueue rate. The task ends after a second with nothing to keep and starts again with the next.
final class DeadlineMonitor: Sendable {
    static let shared = DeadlineMonitor()
    static let tick: Duration = .milliseconds(10)
    /// Empty ticks after which the task ends (the default, 100, is a second).
    let idleTicks: Int

    struct Entry: Sendable {
        let limit: Duration?
        let deadline: ContinuousClock.Instant?
        let watch: Deadline.Watch?
        var nextLook: ContinuousClock.Instant?
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var lastID: UInt64 = 0
        var running = false
        var idle = 0
    }

    private let state = Mutex(State())

    init(idleTicks: Int = 100) {
        self.idleTicks = idleTicks
    }

    /// Keeps `entry` until `forget`; its `fail` is called at most once per tick that finds it due.
    func keep(_ entry: Entry) -> UInt64 {
        let (id, start) = state.withLock { state -> (UInt64, Bool) in
            state.lastID += 1
            state.entries[state.lastID] = entry
            defer { state.running = true }
            return (state.lastID, !state.running)
        }
        if start { Task.detached { await self.run() } }
        return id
    }

    func forget(_ id: UInt64) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    var kept: Int { state.withLock { $0.entries.count } }

    /// Whether the monitor's task is under way (it ends when idle and starts with the next entry).
    var isRunning: Bool { state.withLock { $0.running } }

    private func run() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let due = state.withLock { state -> [Entry]? in
                if state.entries.isEmpty {
                    state.idle += 1
                    if state.idle >= self.idleTicks {
                        state.running = false
                        state.idle = 0
                        return nil
                    }
                    return []
                }
                state.idle = 0
                // Picked first and changed after: changing the dictionary while iterating it copied it.
                let due = state.entries.filter { _, entry in
                    entry.deadline.map { $0 <= now } ?? false || entry.nextLook.map { $0 <= now } ?? false
                }
                for (id, entry) in due {
                    if let deadline = entry.deadline, deadline <= now {
                        state.entries[id] = nil
                    } else if let look = entry.nextLook, let watch = entry.watch {
                        state.entries[id]?.nextLook = look + watch.interval
                    }
                }
                return Array(due.values)
            }
            guard let due else { return }
            // Outside the lock: a failure finishes its race, which forgets its entry.
            for entry in due {
                if let deadline = entry.deadline, let limit = entry.limit, deadline <= now {
                    entry.fail(Deadline.Exceeded(limit: limit))
                } else if let failure = entry.watch?.failure() {
                    entry.fail(failure)
                }
            }
        }
    }
}
