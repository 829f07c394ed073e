import QueueEngine
import Synchronization

/// Does nothing: the burn-down measures the engine, not a handler.
struct NoopJob: JobKind {
    struct Args: Codable, Sendable {}
    static let name = "bench.noop"
    let counter: RunCounter

    func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        counter.increment()
        return .success
    }
}

/// `NoopJob` of a kind whose completed rows are deleted (`deleteWhenCompleted`), for the burn-down
/// that measures what deleting instead of keeping saves.
struct DisposableNoopJob: JobKind {
    typealias Args = NoopJob.Args
    static let name = "bench.noop.disposable"
    static var defaults: JobDefaults { JobDefaults(deleteWhenCompleted: true) }
    let counter: RunCounter

    func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        counter.increment()
        return .success
    }
}

/// Counts handler runs without touching the database.
final class RunCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Records when its handler started, for the wake-up latency.
struct TimestampJob: JobKind {
    struct Args: Codable, Sendable { var sequence: Int }
    static let name = "bench.timestamp"
    let recorder: WakeupRecorder

    func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        recorder.handled(args.sequence)
        return .success
    }
}

/// Per job: when the enqueue call began, how long the call took (the commit), and when the handler ran.
final class WakeupRecorder: Sendable {
    private let state = Mutex<(started: [Int: ContinuousClock.Instant], latencies: [Duration], enqueueCalls: [Duration])>(([:], [], []))

    func started(_ sequence: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.started[sequence] = now }
    }

    func enqueued(after call: Duration) {
        state.withLock { $0.enqueueCalls.append(call) }
    }

    func handled(_ sequence: Int) {
        let now = ContinuousClock.now
        state.withLock { state in
            if let start = state.started.removeValue(forKey: sequence) { state.latencies.append(now - start) }
        }
    }

    var count: Int { state.withLock { $0.latencies.count } }
    var latencies: [Duration] { state.withLock { $0.latencies } }
    var enqueueCalls: [Duration] { state.withLock { $0.enqueueCalls } }
}
