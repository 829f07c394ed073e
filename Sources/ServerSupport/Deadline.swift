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
    public static func run<T: Sendable>(
        within limit: Duration?,
        watch: Watch? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.begin(continuation)
                race.add(Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                })
                guard limit != nil || watch != nil else { return }
                race.add(Task {
                    let deadline = limit.map { ContinuousClock.now + $0 }
                    while true {
                        var wait = watch?.interval ?? .seconds(3_600)
                        if let limit, let deadline {
                            let left = deadline - .now
                            if left <= .zero { return race.finish(.failure(Exceeded(limit: limit))) }
                            wait = min(wait, left)
                        }
                        do { try await Task.sleep(for: wait) } catch { return }
                        if let failure = watch?.failure() { return race.finish(.failure(failure)) }
                    }
                })
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}

/// The first of the operation, the deadline and the caller's cancellation to finish wins; the others
/// are cancelled.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if state.result == nil { state.continuation = continuation }
            return state.result
        }
        if let early { continuation.resume(with: early) }
    }

    func add(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if state.result == nil { state.tasks.append(task) }
            return state.result != nil
        }
        if finished { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            defer { state.continuation = nil; state.tasks = [] }
            return (state.continuation, state.tasks)
        }
        continuation?.resume(with: result)
        for task in tasks { task.cancel() }
    }
}
