import Foundation
import ServerSupport

/// How a worker process runs: which queues with how many slots, and its timing.
public struct WorkerConfiguration: Sendable {
    /// The backstop poll when the wake-up subscription is live.
    public static let defaultPollInterval: Duration = .seconds(1)
    /// The poll while Redis is unreachable, so pickup latency stays low without wake-ups.
    public static let defaultDisconnectedPollInterval: Duration = .milliseconds(250)
    /// How long a claim holds a job without a heartbeat; a lost worker's jobs are rescued after it.
    public static let defaultLease: Duration = .seconds(30)
    /// How long running jobs may finish after SIGTERM before they are cancelled and released.
    public static let defaultShutdownGrace: Duration = .seconds(25)
    /// The most jobs one claim round trip takes.
    public static let defaultClaimBatch = 200
    /// How long the completion batcher waits to gather acks when fewer than a full batch are pending.
    public static let defaultAckDelay: Duration = .milliseconds(1)
    public static let defaultAckBatch = 2000
    /// Claims of one queue that may be under way at once while it has a backlog.
    public static let defaultClaimConcurrency = 1
    /// Ack flushes that may be under way at once.
    public static let defaultAckConcurrency = 2

    public var id: String
    /// Queue name → slots (jobs of that queue running at once in this worker).
    public var queues: [String: Int]
    public var pollInterval: Duration = WorkerConfiguration.defaultPollInterval
    public var disconnectedPollInterval: Duration = WorkerConfiguration.defaultDisconnectedPollInterval
    public var lease: Duration = WorkerConfiguration.defaultLease
    public var shutdownGrace: Duration = WorkerConfiguration.defaultShutdownGrace
    public var claimBatch: Int = WorkerConfiguration.defaultClaimBatch
    public var ackDelay: Duration = WorkerConfiguration.defaultAckDelay
    public var ackBatch: Int = WorkerConfiguration.defaultAckBatch
    public var claimConcurrency: Int = WorkerConfiguration.defaultClaimConcurrency
    public var ackConcurrency: Int = WorkerConfiguration.defaultAckConcurrency

    /// Leases are renewed three times per lease period, so one slow round trip never loses a lease.
    public var heartbeatInterval: Duration { lease / 3 }

    public init(id: String = WorkerConfiguration.defaultID(), queues: [String: Int]) {
        self.id = id
        self.queues = queues
    }

    /// `host-pid`: stable for the life of the process and readable in logs and job rows.
    public static func defaultID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Reads `WORKER_*` variables (docs/configuration.md has each and its default).
    public init(environment: Environment) throws {
        self.init(id: environment.string("WORKER_ID", default: Self.defaultID()),
                  queues: try Self.parseQueues(environment.string("WORKER_QUEUES", default: "default=10")))
        pollInterval = try environment.milliseconds("WORKER_POLL_INTERVAL_MS", default: Self.defaultPollInterval)
        disconnectedPollInterval = try environment.milliseconds("WORKER_POLL_INTERVAL_NO_REDIS_MS", default: Self.defaultDisconnectedPollInterval)
        lease = try environment.milliseconds("WORKER_LEASE_MS", default: Self.defaultLease, minimum: 300)
        shutdownGrace = try environment.milliseconds("WORKER_SHUTDOWN_GRACE_MS", default: Self.defaultShutdownGrace, minimum: 0)
        claimBatch = try environment.int("WORKER_CLAIM_BATCH", default: Self.defaultClaimBatch, range: 1...10_000)
        ackDelay = try environment.milliseconds("WORKER_ACK_DELAY_MS", default: Self.defaultAckDelay, minimum: 0)
        ackBatch = try environment.int("WORKER_ACK_BATCH", default: Self.defaultAckBatch, range: 1...100_000)
        claimConcurrency = try environment.int("WORKER_CLAIM_CONCURRENCY", default: Self.defaultClaimConcurrency, range: 1...16)
        ackConcurrency = try environment.int("WORKER_ACK_CONCURRENCY", default: Self.defaultAckConcurrency, range: 1...16)
    }

    /// `name=slots,name=slots`; a name without `=slots` gets 10.
    static func parseQueues(_ text: String) throws -> [String: Int] {
        var queues: [String: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first, !name.isEmpty else { continue }
            let slots = parts.count == 2 ? Int(parts[1]) : 10
            guard let slots, slots > 0, slots <= 100_000 else {
                throw ConfigurationError("WORKER_QUEUES", "expected name=slots with slots in 1...100000, got \"\(item)\"")
            }
            queues[name] = slots
        }
        guard !queues.isEmpty else { throw ConfigurationError("WORKER_QUEUES", "names no queue") }
        return queues
    }
}
