import Synchronization

/// The attempts a worker is running: their tasks (so one can be cancelled), deadlines and leases;
/// and the attempts that ended but whose ending is not committed yet. Past `ackAllowance` of those a
/// queue's slots shrink, so a worker that claims faster than its acks commit stops claiming, and a
/// crash re-runs at most its slots plus one ack batch of finished work.
final class RunningJobs: Sendable {
    /// Why a running attempt was stopped from outside, which decides how it is recorded.
    enum StopReason: Sendable {
        case cancelRequested
        case timedOut
        case shutdown
        case leaseLost
    }

    private struct Entry {
        let job: ClaimedJob
        let deadline: ContinuousClock.Instant
        var task: Task<Void, Never>?
        var stopReason: StopReason?
    }

    /// One claim of a job: a job rescued and claimed again gets the next lease token.
    struct Attempt: Hashable {
        let jobID: Int64
        let leaseToken: Int32

        init(jobID: Int64, leaseToken: Int32) {
            self.jobID = jobID
            self.leaseToken = leaseToken
        }

        init(_ job: ClaimedJob) {
            self.init(jobID: job.id, leaseToken: job.leaseToken)
        }

        init(_ completion: Completion) {
            self.init(jobID: completion.jobID, leaseToken: completion.leaseToken)
        }
    }

    private struct State {
        /// Running attempts by attempt, not job: an earlier attempt of a job claimed here again under
        /// a new token keeps its own entry (and slot) until its task ends.
        var entries: [Attempt: Entry] = [:]
        /// Each running job's newest lease token: older attempts of it are stopped already.
        var newestToken: [Int64: Int32] = [:]
        var perQueue: [String: Int] = [:]
        /// Slots promised to claims under way, so concurrent claimers never exceed a queue's slots.
        var claiming: [String: Int] = [:]
        /// Ended attempts whose ending is not committed yet: their queue, and how many per queue.
        /// An attempt is its job and lease token: a job rescued and claimed here again while its
        /// earlier ending waits is a second attempt, counted and acknowledged apart.
        var unackedQueue: [Attempt: String] = [:]
        var unacked: [String: Int] = [:]
        /// Attempts claimed here again while they ran or waited for their ack (see `reserve`).
        var claimedAgain: Set<Attempt> = []

        /// Slots held by uncommitted endings beyond the allowance.
        func ackDebt(_ queue: String, allowance: Int) -> Int { max(0, (unacked[queue] ?? 0) - allowance) }

        /// Marks those of `attempts` running and not stopped yet with `reason`; returns their tasks, to
        /// be cancelled once the lock is let go.
        mutating func stop(_ attempts: [Attempt], reason: StopReason) -> [Task<Void, Never>] {
            var tasks: [Task<Void, Never>] = []
            for attempt in attempts {
                guard let entry = entries[attempt], entry.stopReason == nil else { continue }
                entries[attempt]?.stopReason = reason
                if let task = entry.task { tasks.append(task) }
            }
            return tasks
        }
    }

    private let state = Mutex(State())
    let ackAllowance: Int

    init(ackAllowance: Int) {
        self.ackAllowance = ackAllowance
    }

    /// Takes a slot for a claimed attempt; false when this very attempt (job and lease token) is
    /// running here or waiting for its ending's commit already. That happens when PostgreSQL forgot
    /// the claim in a crash and the job was claimed again: the attempt under way is the one to keep,
    /// and its ending (same job, token and worker) is what the new claim will record. Should the
    /// attempt end with nothing to record (its lease seemed lost) or its ending be refused as stale
    /// (written before the new claim), the worker gives the new claim back (`finish`,
    /// `claimedAgain(among:)`) instead of leaving it held by no one until its lease expires.
    /// An earlier attempt of the job still running here (under an older token) lost its lease to this
    /// claim: it is stopped, and nothing it ends with is recorded. An attempt that arrives after a
    /// newer one of its job (two claims started out of order) starts stopped the same way.
    func reserve(_ job: ClaimedJob, deadline: ContinuousClock.Instant) -> Bool {
        let (reserved, superseded) = state.withLock { state -> (Bool, [Task<Void, Never>]) in
            let attempt = Attempt(job)
            if state.entries[attempt] != nil || state.unackedQueue[attempt] != nil {
                state.claimedAgain.insert(attempt)
                return (false, [])
            }
            var entry = Entry(job: job, deadline: deadline)
            var superseded: [Task<Void, Never>] = []
            if let newest = state.newestToken[job.id], newest > job.leaseToken {
                entry.stopReason = .leaseLost
            } else if let older = state.newestToken.updateValue(job.leaseToken, forKey: job.id) {
                superseded = state.stop([Attempt(jobID: job.id, leaseToken: older)], reason: .leaseLost)
            }
            state.entries[attempt] = entry
            state.perQueue[job.queue, default: 0] += 1
            return (true, superseded)
        }
        for task in superseded { task.cancel() }
        return reserved
    }

    /// Attaches the attempt's task; a stop that came before the task existed takes effect now.
    func attach(_ attempt: Attempt, task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            guard state.entries[attempt] != nil else { return false }
            state.entries[attempt]?.task = task
            return state.entries[attempt]?.stopReason != nil
        }
        if cancelNow { task.cancel() }
    }

    /// Removes a finished attempt; with `awaitingAck` its ending counts as uncommitted until
    /// `acknowledged` is told. Returns whether the attempt was claimed here again while it ran: with
    /// no ending of its own it then awaits the ack of giving that claim back, which its caller sends.
    @discardableResult
    func finish(_ attempt: Attempt, awaitingAck: Bool) -> Bool {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: attempt) else { return false }
            if state.newestToken[attempt.jobID] == attempt.leaseToken { state.newestToken[attempt.jobID] = nil }
            state.perQueue[entry.job.queue, default: 1] -= 1
            let claimedAgain = !awaitingAck && state.claimedAgain.remove(attempt) != nil
            if awaitingAck || claimedAgain, state.unackedQueue.updateValue(entry.job.queue, forKey: attempt) == nil {
                state.unacked[entry.job.queue, default: 0] += 1
            }
            return claimedAgain
        }
    }

    /// Which of `attempts` (whose acks just came back) were claimed here again meanwhile; forgets them.
    func claimedAgain(among attempts: [Attempt]) -> Set<Attempt> {
        state.withLock { state in
            guard !state.claimedAgain.isEmpty else { return [] }
            return Set(attempts.filter { state.claimedAgain.remove($0) != nil })
        }
    }

    /// Endings that are committed (or given up on): they hold no slot any more. Returns the queue
    /// of each one it knew.
    func acknowledged(_ attempts: [Attempt]) -> [Attempt: String] {
        state.withLock { state in
            var queues: [Attempt: String] = [:]
            for attempt in attempts {
                guard let queue = state.unackedQueue.removeValue(forKey: attempt) else { continue }
                state.unacked[queue, default: 1] -= 1
                queues[attempt] = queue
            }
            return queues
        }
    }

    /// Uncommitted endings of `queue`, for tests and metrics.
    func unacknowledged(queue: String) -> Int {
        state.withLock { $0.unacked[queue] ?? 0 }
    }

    /// Cancels an attempt's task, remembering why; the first reason wins.
    func stop(_ attempt: Attempt, reason: StopReason) {
        for task in state.withLock({ $0.stop([attempt], reason: reason) }) { task.cancel() }
    }

    /// Stops the job's newest attempt here (a cancellation is for the job; older ones are stopped).
    func stop(jobID: Int64, reason: StopReason) {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            guard let token = state.newestToken[jobID] else { return [] }
            return state.stop([Attempt(jobID: jobID, leaseToken: token)], reason: reason)
        }
        for task in tasks { task.cancel() }
    }

    func stopAll(reason: StopReason) {
        for task in state.withLock({ $0.stop(Array($0.entries.keys), reason: reason) }) { task.cancel() }
    }

    func stopReason(of attempt: Attempt) -> StopReason? { state.withLock { $0.entries[attempt]?.stopReason } }

    /// Jobs of `queue` running here.
    func running(queue: String) -> Int {
        state.withLock { $0.perQueue[queue] ?? 0 }
    }

    /// Slots of `queue` that are neither running, promised to a claim under way, nor held by
    /// uncommitted endings beyond the allowance.
    func free(queue: String, slots: Int) -> Int {
        state.withLock { slots - ($0.perQueue[queue] ?? 0) - ($0.claiming[queue] ?? 0) - $0.ackDebt(queue, allowance: ackAllowance) }
    }

    /// Promises up to `limit` free slots of `queue` to a claim; `endClaim` gives the promise back
    /// once the claimed jobs are reserved.
    func beginClaim(queue: String, slots: Int, limit: Int) -> Int {
        state.withLock { state in
            let free = slots - (state.perQueue[queue] ?? 0) - (state.claiming[queue] ?? 0) - state.ackDebt(queue, allowance: ackAllowance)
            let granted = max(0, min(free, limit))
            state.claiming[queue, default: 0] += granted
            return granted
        }
    }

    func endClaim(queue: String, granted: Int) {
        state.withLock { $0.claiming[queue, default: 0] -= granted }
    }

    var count: Int { state.withLock { $0.entries.count } }

    func leases() -> [(id: Int64, leaseToken: Int32)] {
        state.withLock { state in state.entries.keys.map { ($0.jobID, $0.leaseToken) } }
    }

    func overdue(at now: ContinuousClock.Instant) -> [Attempt] {
        state.withLock { state in
            state.entries.filter { $0.value.stopReason == nil && $0.value.deadline <= now }.map(\.key)
        }
    }
}
