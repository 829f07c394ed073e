import Foundation
import Logging
import ServerSupport
import ServiceLifecycle
import Synchronization

/// Runs the handlers of the queues it serves: claims no more jobs than it has free slots, renews
/// leases in one statement per interval, enforces per-job timeouts, acks in batches, and stops
/// gracefully (stop claiming, let running jobs finish up to the grace period, then cancel and release
/// them so another worker picks them up at once).
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    private let store: JobStore
    private let registry: JobRegistry
    private let subscriber: WakeupSubscriber?
    /// Tells other workers at once about jobs this one released (at shutdown), instead of leaving
    /// them to their backstop poll.
    private let publisher: WakeupPublisher?
    private let logger: Logger
    private let running: RunningJobs
    private let batcher: CompletionBatcher
    /// Per queue, one signal per claimer; claimers pipeline claims while a queue has a backlog.
    private let fetchSignals: [String: [Signal]]
    private let stopSignal = Signal()
    private let stopping = Atomic<Bool>(false)
    /// Queues whose last claim came back short; finishing jobs do not trigger claims for them until
    /// a wake-up or a poll says there may be work again.
    private let drainedQueues = Mutex<Set<String>>([])
    /// Per queue, the gauges of this worker's slots: made once, not looked up at every start and end.
    private let slotGauges: [String: EngineMetrics.SlotGauges]

    public init(configuration: WorkerConfiguration, store: JobStore, registry: JobRegistry,
                subscriber: WakeupSubscriber?, publisher: WakeupPublisher? = nil, logger: Logger) {
        var logger = logger
        logger[metadataKey: LogKey.workerID] = "\(configuration.id)"
        self.configuration = configuration
        self.store = store
        self.registry = registry
        self.subscriber = subscriber
        self.publisher = publisher
        self.logger = logger
        self.running = RunningJobs(ackAllowance: configuration.ackBatch)
        self.batcher = CompletionBatcher(store: store, workerID: configuration.id, delay: configuration.ackDelay,
                                         maxBatch: configuration.ackBatch,
                                         concurrency: configuration.ackConcurrency, logger: logger)
        let claimers = max(1, configuration.claimConcurrency)
        self.fetchSignals = configuration.queues.mapValues { _ in (0..<claimers).map { _ in Signal() } }
        self.slotGauges = Dictionary(uniqueKeysWithValues: configuration.queues.keys.map { ($0, EngineMetrics.shared.slotGauges(queue: $0)) })
        batcher.onCommitted { [weak self] batch, stale in self?.committed(batch, stale: stale) }
    }

    /// Acks rejected because this worker had lost the job's lease.
    public var rejectedStaleAcks: Int { batcher.rejectedStaleAcks }

    /// How many attempts run in this worker now.
    public var runningCount: Int { running.count }

    /// Whether the wake-up subscription is live (false without Redis).
    public var isSubscribed: Bool { subscriber?.isConnected ?? false }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.runUntilStopped()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Begins a graceful stop; `run()` returns once running jobs are finished or released.
    public func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        logger.info("worker stopping: no new claims")
        stopSignal.finish()
        for signal in fetchSignals.values.joined() { signal.finish() }
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func runUntilStopped() async {
        logger.info("worker started", metadata: ["queues": "\(configuration.queues)"])
        for (queue, gauges) in slotGauges {
            gauges.total.record(configuration.queues[queue] ?? 0)
            gauges.busy.record(running.running(queue: queue))
        }
        subscriber?.start()
        await withTaskGroup(of: Void.self) { outer in
            outer.addTask { await self.batcher.run() }
            outer.addTask {
                await withTaskGroup(of: Void.self) { loops in
                    loops.addTask { await self.heartbeatLoop() }
                    loops.addTask { await self.presenceLoop() }
                    loops.addTask { await self.timeoutLoop() }
                    loops.addTask { await self.pollLoop() }
                    loops.addTask { await self.wakeupLoop() }
                    for (queue, signals) in self.fetchSignals {
                        for index in signals.indices {
                            loops.addTask { await self.fetchLoop(queue: queue, claimer: index) }
                        }
                    }
                    await self.stopSignal.wait()
                    self.stop()
                    await self.drain()
                    loops.cancelAll()
                }
                self.subscriber?.stop()
                self.batcher.finish()
            }
        }
        try? await store.retire(workerID: configuration.id)
        logger.info("worker stopped")
    }

    /// Waits for running jobs up to the grace period, then cancels and releases the rest.
    private func drain() async {
        let grace = Task.isCancelled ? Duration.zero : configuration.shutdownGrace
        let deadline = ContinuousClock.now + grace
        while running.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            if Task.isCancelled { break }
        }
        guard running.count > 0 else { return }
        logger.info("cancelling jobs still running after the grace period", metadata: ["count": "\(running.count)"])
        running.stopAll(reason: .shutdown)
        // Handlers that ignore cancellation are left behind; their leases expire and they are rescued.
        let hardDeadline = ContinuousClock.now + .seconds(5)
        while running.count > 0, ContinuousClock.now < hardDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: Claiming

    private func fetchLoop(queue: String, claimer: Int) async {
        guard let signals = fetchSignals[queue], let slots = configuration.queues[queue] else { return }
        let partner = signals[(claimer + 1) % signals.count]
        for await _ in signals[claimer].stream {
            guard !isStopping else { break }
            await fetch(queue: queue, slots: slots, partner: partner)
        }
    }

    /// Claims until the queue looks empty or the slots are full. After a full batch the partner
    /// claimer is woken, so the next claim's round trip overlaps this one's jobs starting.
    private func fetch(queue: String, slots: Int, partner: Signal) async {
        while !isStopping {
            let limit = running.beginClaim(queue: queue, slots: slots, limit: configuration.claimBatch)
            guard limit > 0 else { return }
            var claimed = 0
            do {
                defer { running.endClaim(queue: queue, granted: limit) }
                let jobs = try await store.claim(queue: queue, limit: limit, workerID: configuration.id, lease: configuration.lease)
                for job in jobs { start(job) }
                claimed = jobs.count
                if claimed > 0 { EngineMetrics.shared.claimed(queue: queue, count: claimed) }
                if claimed == limit {
                    partner.fire()
                    continue
                }
                // Jobs with a concurrency key take the slower limited path, after the fast path's jobs started.
                let limited = try await store.claimLimited(queue: queue, limit: limit - claimed,
                                                           workerID: configuration.id, lease: configuration.lease)
                for job in limited { start(job) }
                claimed += limited.count
                if !limited.isEmpty { EngineMetrics.shared.claimed(queue: queue, count: limited.count) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("claim failed; retrying on the next wake-up or poll",
                               metadata: [LogKey.queue: "\(queue)", "error": "\(logDescription(error))"])
                try? await Task.sleep(for: .milliseconds(100))
                return
            }
            // A short batch is not proof of an empty queue: a row another claimer updated between this
            // statement's snapshot and its lock is dropped from the batch. Only an empty claim is.
            if claimed == 0 {
                drainedQueues.withLock { _ = $0.insert(queue) }
                return
            }
        }
    }

    /// Wakes the fetch loops of `queues` (all when nil), marking them as possibly non-empty.
    private func signalFetch(_ queues: [String]? = nil) {
        let targets = queues ?? Array(fetchSignals.keys)
        drainedQueues.withLock { drained in for queue in targets { drained.remove(queue) } }
        for queue in targets { fetchSignals[queue]?.first?.fire() }
    }

    /// The backstop poll. It ticks at the shorter interval so that losing Redis switches to the fast
    /// poll at once, and fires at the long interval only while the wake-up subscription is live.
    private func pollLoop() async {
        let tick = min(configuration.pollInterval, configuration.disconnectedPollInterval)
        var lastFired = ContinuousClock.now
        while !isStopping {
            do { try await Task.sleep(for: tick) } catch { return }
            let connected = subscriber?.isConnected ?? true
            let interval = connected ? configuration.pollInterval : configuration.disconnectedPollInterval
            if ContinuousClock.now - lastFired >= interval {
                lastFired = .now
                signalFetch()
            }
        }
    }

    private func wakeupLoop() async {
        guard let subscriber else { return }
        for await event in subscriber.events {
            switch event {
            case .subscribed:
                EngineMetrics.shared.redis(connected: true)
                signalFetch()
            case .wake(let queue):
                if fetchSignals[queue] != nil { signalFetch([queue]) }
            case .cancel(let jobID):
                running.stop(jobID: jobID, reason: .cancelRequested)
            case .disconnected:
                EngineMetrics.shared.redis(connected: false)
            }
        }
    }

    // MARK: Running

    private func start(_ job: ClaimedJob) {
        let entry = registry.entry(for: job.kind)
        let timeout = job.timeout ?? entry?.defaults.timeout ?? JobDefaults.defaultTimeout
        // A claim PostgreSQL forgot in a crash hands this worker a job it still runs (see ClaimJobsStatement).
        guard running.reserve(job, deadline: .now + timeout) else { return }
        let metrics = EngineMetrics.shared.attemptHandles(kind: job.kind, queue: job.queue)
        EngineMetrics.shared.started(job, metrics)
        reportSlots(job.queue)
        let attempt = RunningJobs.Attempt(job)
        let task = Task { await self.execute(job, attempt, entry: entry, timeout: timeout, metrics: metrics) }
        running.attach(attempt, task: task)
    }

    private func execute(_ job: ClaimedJob, _ attempt: RunningJobs.Attempt, entry: JobRegistry.Entry?, timeout: Duration,
                         metrics: EngineMetrics.AttemptHandles) async {
        // The attempt is a span of the enqueuer's trace (a new trace when it had none): its log
        // lines, the jobs it enqueues and the provider requests it makes carry it.
        let trace = TraceContext.continuing(job.traceparent)
        // One assignment of a dictionary sized once, not one per key (each goes through the logger's
        // storage and handler); values are the strings themselves, not interpolated copies.
        var metadata = logger.handler.metadata
        metadata.reserveCapacity(metadata.count + 5)
        metadata[LogKey.jobID] = .string(String(job.id))
        metadata[LogKey.jobKind] = .string(job.kind)
        metadata[LogKey.queue] = .string(job.queue)
        metadata[LogKey.traceID] = .string(trace.traceID)
        metadata[LogKey.spanID] = .string(trace.spanID)
        var jobLogger = logger
        jobLogger.handler.metadata = metadata
        let started = ContinuousClock.now
        let spanStart = Span.now()
        var result: Completion.Result?
        if let entry {
            let store = self.store
            let workerID = configuration.id
            let context = JobContext(
                jobID: job.id, kind: job.kind, queue: job.queue, attempt: job.attempt, maxAttempts: job.maxAttempts,
                workspaceID: job.workspaceID, logger: jobLogger,
                progressReporter: { percent, message in
                    try await store.reportProgress(jobID: job.id, leaseToken: job.leaseToken, workerID: workerID,
                                                   percent: percent, message: message)
                })
            do {
                // The handler's transactions wake the workers of the jobs they enqueue once they commit.
                let outcome = try await EnqueueWakeups.$publisher.withValue(publisher) {
                    try await TraceContext.$current.withValue(trace) { try await entry.run(job.argsJSON, context) }
                }
                switch outcome {
                case .success(let json): result = .completed(resultJSON: json)
                case .snooze(let delay): result = .snooze(delay: delay)
                case .discard(let reason): result = .discarded(error: reason)
                }
            } catch let error as JobRegistry.UndecodableArguments {
                result = .discarded(error: error.description)
            } catch {
                switch running.stopReason(of: attempt) {
                case .cancelRequested?: result = .cancelled(reason: "cancelled on request")
                case .timedOut?: result = Self.failure(job, "timed out after \(timeout)", policy: entry.defaults.retryPolicy)
                case .shutdown?: result = .released
                case .leaseLost?: result = nil
                case nil: result = Self.failure(job, String(describing: error), policy: entry.defaults.retryPolicy)
                }
            }
        } else {
            result = .discarded(error: "unknown job kind \(job.kind): no handler is registered for it")
        }
        // An attempt whose lease was lost records nothing, even if its handler finished anyway: the
        // ack would be refused. Claimed here again while it ran (a claim PostgreSQL forgot in a crash),
        // such an attempt gives that claim back rather than leave it held by no one until its lease expires.
        if running.stopReason(of: attempt) == .leaseLost { result = nil }
        let claimedAgain = running.finish(attempt, awaitingAck: result != nil)
        let ending = result ?? (claimedAgain ? .released : nil)
        reportSlots(job.queue)
        Self.recordSpan(trace, job, start: spanStart, result: ending)
        if let result = ending {
            EngineMetrics.shared.finished(metrics, result, duration: .now - started)
            jobLogger.debug("attempt ended", metadata: ["result": "\(result)"])
            batcher.add(Completion(jobID: job.id, leaseToken: job.leaseToken, result: result,
                                   deleteIfCompleted: entry?.defaults.deleteWhenCompleted ?? false))
        } else {
            jobLogger.warning("lease lost while running; the result is not recorded")
        }
        refill(job.queue)
    }

    /// The attempt's consumer span; a failed, discarded or timed-out attempt is an error.
    private static func recordSpan(_ trace: TraceContext, _ job: ClaimedJob, start: UInt64, result: Completion.Result?) {
        let outcome: String, error: String?
        switch result {
        case .completed?: (outcome, error) = ("completed", nil)
        case .snooze?: (outcome, error) = ("snoozed", nil)
        case .released?: (outcome, error) = ("released", nil)
        case .cancelled(let reason)?: (outcome, error) = ("cancelled", reason)
        case .discarded(let reason)?: (outcome, error) = ("discarded", reason)
        case .retry(_, let reason)?: (outcome, error) = ("failed", reason)
        case nil: (outcome, error) = ("lease lost", "the lease was lost while the job ran")
        }
        Span.record(trace, name: "job \(job.kind)", kind: .consumer, start: start, attributes: [
            "job.id": .int(Int(job.id)), "job.kind": .string(job.kind), "queue": .string(job.queue),
            "job.attempt": .int(job.attempt), "job.outcome": .string(outcome),
        ], error: error)
    }

    /// Claims again once half a claim batch of slots is free, so claims stay batched under load.
    private func refill(_ queue: String) {
        let slots = configuration.queues[queue] ?? 1
        let refillAt = max(1, min(configuration.claimBatch, slots) / 2)
        if running.free(queue: queue, slots: slots) >= refillAt, !drainedQueues.withLock({ $0.contains(queue) }) {
            fetchSignals[queue]?.first?.fire()
        }
    }

    /// Committed endings free the slots they held; released jobs wake the other workers. An ending
    /// refused as stale whose attempt was claimed here again meanwhile gives that claim back.
    private func committed(_ batch: [Completion], stale: Set<Int64>) {
        let attempts = batch.map(RunningJobs.Attempt.init)
        let claimedAgain = running.claimedAgain(among: attempts)
        // A refused release is not released again: the claim it was for is gone already.
        for (completion, attempt) in zip(batch, attempts)
        where claimedAgain.contains(attempt) && stale.contains(completion.jobID) && completion.result != .released {
            batcher.add(Completion(jobID: completion.jobID, leaseToken: completion.leaseToken, result: .released))
        }
        let queues = running.acknowledged(attempts)
        for queue in Set(queues.values) { refill(queue) }
        let released = Set(zip(batch, attempts).compactMap { completion, attempt -> String? in
            if case .released = completion.result { return queues[attempt] }
            return nil
        })
        if !released.isEmpty { publisher?.notify(queues: released) }
    }

    private func reportSlots(_ queue: String) {
        slotGauges[queue]?.busy.record(running.running(queue: queue))
    }

    /// A failed attempt: retried after the policy's delay, or discarded when attempts are used up.
    static func failure(_ job: ClaimedJob, _ message: String, policy: RetryPolicy) -> Completion.Result {
        if job.attempt >= job.maxAttempts {
            return .discarded(error: message)
        }
        return .retry(delay: policy.delay(afterAttempt: job.attempt), error: message)
    }

    // MARK: Leases and timeouts

    private func heartbeatLoop() async {
        while true {
            do { try await Task.sleep(for: configuration.heartbeatInterval) } catch { return }
            let leases = running.leases()
            let unflushed = batcher.unflushedLeases()
            guard !leases.isEmpty || !unflushed.isEmpty else { continue }
            do {
                let held = try await store.heartbeat(leases + unflushed, lease: configuration.lease, workerID: configuration.id)
                for lease in leases {
                    let attempt = RunningJobs.Attempt(jobID: lease.id, leaseToken: lease.leaseToken)
                    switch held[lease.id] {
                    case nil: running.stop(attempt, reason: .leaseLost)
                    case true?: running.stop(attempt, reason: .cancelRequested)
                    case false?: break
                    }
                }
            } catch {
                logger.warning("lease renewal failed; retrying", metadata: ["error": "\(logDescription(error))"])
            }
        }
    }

    /// Announces this worker (host, queues, running jobs) every heartbeat interval, for operators.
    private func presenceLoop() async {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        while !isStopping {
            do {
                try await store.announce(workerID: configuration.id, host: host, pid: pid, queues: configuration.queues, running: running.count)
            } catch is CancellationError {
                return
            } catch {
                logger.debug("presence not recorded", metadata: ["error": "\(logDescription(error))"])
            }
            do { try await Task.sleep(for: configuration.heartbeatInterval) } catch { return }
        }
    }

    private func timeoutLoop() async {
        while true {
            do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
            for attempt in running.overdue(at: .now) { running.stop(attempt, reason: .timedOut) }
        }
    }
}
