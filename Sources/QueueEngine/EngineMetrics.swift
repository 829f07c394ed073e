import Foundation
import Metrics
import Synchronization

/// The engine's measurements through swift-metrics; the process decides where they go (Prometheus
/// here, see `Telemetry`), and without a backend they cost next to nothing. Handles are made once
/// per label set and kept, so the hot paths (enqueue, ack) only increment.
public final class EngineMetrics: Sendable {
    public static let shared = EngineMetrics()

    public enum Name {
        public static let enqueued = "jobs_enqueued_total"
        public static let finished = "jobs_finished_total"
        public static let duration = "job_duration_seconds"
        public static let wait = "job_wait_seconds"
        public static let claimBatch = "claim_batch_size"
        public static let slots = "worker_slots"
        public static let slotsBusy = "worker_slots_busy"
        public static let redisConnected = "redis_connected"
        public static let queueJobs = "queue_jobs"
        public static let queueOldestAge = "queue_oldest_ready_age_seconds"
        public static let queueOldestRunnableAge = "queue_oldest_runnable_age_seconds"
        public static let queuePaused = "queue_paused"
        public static let queueDeletedCompletions = "queue_completed_deleted_jobs"
        public static let postgresConnections = "postgres_connections"
    }

    private let counters = HandleCache<Counter> { Counter(label: $0, dimensions: $1) }
    private let timers = HandleCache<Metrics.Timer> { Metrics.Timer(label: $0, dimensions: $1) }
    private let gauges = HandleCache<Gauge> { Gauge(label: $0, dimensions: $1) }
    private let recorders = HandleCache<Recorder> { Recorder(label: $0, dimensions: $1, aggregate: true) }
    private let reportedQueues = Mutex<Set<String>>([])

    private func counter(_ name: String, _ labels: [String], _ values: [String]) -> Counter { counters.handle(name, labels, values) }
    private func timer(_ name: String, _ labels: [String], _ values: [String]) -> Metrics.Timer { timers.handle(name, labels, values) }
    private func gauge(_ name: String, _ labels: [String], _ values: [String]) -> Gauge { gauges.handle(name, labels, values) }
    private func recorder(_ name: String, _ labels: [String], _ values: [String]) -> Recorder { recorders.handle(name, labels, values) }

    /// Jobs inserted (duplicates of a unique key are not new jobs and are not counted).
    func enqueued(_ jobs: some Sequence<NewJob>) {
        // A batch is mostly runs of one kind and queue: a run is counted before it is hashed.
        var counts: [[String]: Int] = [:]
        var run: (kind: String, queue: String, count: Int)?
        for job in jobs {
            if let current = run, current.kind == job.kind, current.queue == job.queue {
                run?.count += 1
                continue
            }
            if let run { counts[[run.kind, run.queue], default: 0] += run.count }
            run = (job.kind, job.queue, 1)
        }
        if let run { counts[[run.kind, run.queue], default: 0] += run.count }
        for (labels, count) in counts { counter(Name.enqueued, ["kind", "queue"], labels).increment(by: count) }
    }

    /// The handles an attempt of one kind in one queue records to, looked up once per attempt: a
    /// lookup hashes the name and every label value, and a no-op burn-down made five per job.
    struct AttemptHandles: Sendable {
        let kind: String
        let queue: String
        let wait: Metrics.Timer
        let duration: Metrics.Timer
        /// The common outcome's counter; the others are looked up when they happen.
        let completed: Counter
    }

    private struct KindInQueue: Hashable {
        let kind: String
        let queue: String
    }

    private let attempts = Mutex<[KindInQueue: AttemptHandles]>([:])

    func attemptHandles(kind: String, queue: String) -> AttemptHandles {
        let key = KindInQueue(kind: kind, queue: queue)
        if let handles = attempts.withLock({ $0[key] }) { return handles }
        let handles = AttemptHandles(kind: kind, queue: queue, wait: timer(Name.wait, ["kind", "queue"], [kind, queue]),
                                     duration: timer(Name.duration, ["kind", "queue"], [kind, queue]),
                                     completed: counter(Name.finished, ["kind", "queue", "outcome"], [kind, queue, "completed"]))
        attempts.withLock { $0[key] = handles }
        return handles
    }

    /// A claimed job starts: how long it waited since it became runnable.
    func started(_ job: ClaimedJob, _ handles: AttemptHandles) {
        handles.wait.recordInterval(since: job.runAt)
    }

    /// An attempt ended with `result` after `duration`.
    func finished(_ handles: AttemptHandles, _ result: Completion.Result, duration: Duration) {
        // The common outcome has its handle; the others are looked up when they happen.
        let outcome: String? = switch result {
        case .completed: nil
        case .retry: "failed"
        case .snooze: "snoozed"
        case .discarded: "discarded"
        case .cancelled: "cancelled"
        case .released: "released"
        }
        (outcome.map { counter(Name.finished, ["kind", "queue", "outcome"], [handles.kind, handles.queue, $0]) } ?? handles.completed).increment()
        handles.duration.record(duration)
    }

    func claimed(queue: String, count: Int) {
        recorder(Name.claimBatch, ["queue"], [queue]).record(count)
    }

    /// A worker's slots in one queue: the total recorded when it starts, the busy ones as they change.
    struct SlotGauges: Sendable {
        let busy: Gauge
        let total: Gauge
    }

    func slotGauges(queue: String) -> SlotGauges {
        SlotGauges(busy: gauge(Name.slotsBusy, ["queue"], [queue]), total: gauge(Name.slots, ["queue"], [queue]))
    }

    func redis(connected: Bool) {
        gauge(Name.redisConnected, [], []).record(connected ? 1 : 0)
    }

    /// Publishes queue statistics (the API does at each scrape, from `JobStore.stats()`).
    /// Completions of kinds that delete their rows, per queue and kind, as the database counts them:
    /// the statistics those kinds keep instead of rows.
    public func deletedCompletions(_ counts: [DeletedCompletions]) {
        for count in counts { gauge(Name.queueDeletedCompletions, ["queue", "kind"], [count.queue, count.kind]).record(count.completed) }
    }

    /// Connections to the platform's database by state (active, idle, idle in transaction, …),
    /// from every process: what the pools of all API and worker replicas hold together.
    public func postgresConnections(_ byState: [String: Int]) {
        for state in ["active", "idle", "idle in transaction", "idle in transaction (aborted)"] {
            gauge(Name.postgresConnections, ["state"], [state.replacingOccurrences(of: " ", with: "_")]).record(byState[state] ?? 0)
        }
    }

    /// A queue that no longer appears (empty, not paused) is reported as zero, not left at its last figures.
    public func queues(_ stats: [QueueStats]) {
        let gone = reportedQueues.withLock { reported in
            let current = Set(stats.map(\.queue))
            defer { reported = current }
            return reported.subtracting(current)
        }
        let zeros = gone.map { QueueStats(queue: $0, ready: 0, scheduled: 0, running: 0, oldestReadyAgeSeconds: 0, paused: false) }
        for queue in stats + zeros {
            let jobs = ["ready": queue.ready, "scheduled": queue.scheduled, "running": queue.running, "runnable": queue.runnable]
            for (state, count) in jobs { gauge(Name.queueJobs, ["queue", "state"], [queue.queue, state]).record(count) }
            gauge(Name.queueOldestAge, ["queue"], [queue.queue]).record(queue.oldestReadyAgeSeconds)
            gauge(Name.queueOldestRunnableAge, ["queue"], [queue.queue]).record(queue.oldestRunnableAgeSeconds)
            gauge(Name.queuePaused, ["queue"], [queue.queue]).record(queue.paused ? 1 : 0)
        }
    }
}

extension Metrics.Timer {
    /// The time since `start`, clamped to what an `Int64` of nanoseconds holds (about 292 years):
    /// a stored instant is data, and no value of it may trap here.
    func recordInterval(since start: Date) {
        let seconds = min(max(0, Date().timeIntervalSince(start)), Double(Int64.max / 1_000_000_000))
        recordNanoseconds(Int64(seconds.isNaN ? 0 : seconds * 1_000_000_000))
    }

    func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        recordNanoseconds(overflow ? (seconds < 0 ? 0 : .max) : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}

/// One metric handle per name and label values, made on first use.
private final class HandleCache<Handle: Sendable>: Sendable {
    private struct Key: Hashable {
        let name: String
        let values: [String]
    }

    private let handles = Mutex<[Key: Handle]>([:])
    private let make: @Sendable (String, [(String, String)]) -> Handle

    init(_ make: @escaping @Sendable (String, [(String, String)]) -> Handle) {
        self.make = make
    }

    func handle(_ name: String, _ labels: [String], _ values: [String]) -> Handle {
        handles.withLock { cache in
            let key = Key(name: name, values: values)
            if let handle = cache[key] { return handle }
            let handle = make(name, Array(zip(labels, values)))
            cache[key] = handle
            return handle
        }
    }
}
