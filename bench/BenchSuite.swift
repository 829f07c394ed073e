import Foundation
import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import Synchronization

/// The scenarios, each in its own queue; every row the bench wrote is deleted at the end.
struct BenchSuite: Sendable {
    let client: PostgresClient
    let queue: JobQueue
    let redis: RedisConfiguration?
    let options: BenchOptions
    let logger: Logger
    let runID = "bench-\(UUID().uuidString.prefix(8).lowercased())"

    func runAll() async throws -> [BenchResult] {
        // Queues named bench-… belong to the bench: rows a crashed run left behind would skew this one.
        try await client.query("DELETE FROM queue_jobs WHERE queue LIKE 'bench-%'", logger: logger)
        try await vacuum()
        var results: [BenchResult] = []
        func wanted(_ scenario: BenchScenario) -> Bool { options.only.isEmpty || options.only.contains(scenario) }
        if wanted(.enqueue) {
            results += try await repeated { [try await sequentialEnqueue(), try await concurrentEnqueue()] + (try await batchEnqueue()) }
        }
        if wanted(.burndown) { results += try await repeated { [try await burnDown(deleting: false), try await burnDown(deleting: true)] } }
        if wanted(.wakeup) { results += try await repeated { try await wakeupLatency() } }
        if wanted(.history) { results += try await claimWithHistory() }
        if wanted(.rss), let binary = options.workerBinary { results.append(try await workerRSS(binary: binary)) }
        if wanted(.http), let binary = options.apiBinary { results += try await repeated { try await httpEnqueue(apiBinary: binary) } }
        if wanted(.conversation), let binary = options.apiBinary {
            results += try await repeated { try await conversationTurns(apiBinary: binary) }
        }
        if wanted(.voice), let binary = options.apiBinary { results += try await repeated { try await voiceToVoice(apiBinary: binary) } }
        if wanted(.ceiling) { results += try await repeated { try await ceiling() } }
        try await client.query("DELETE FROM queue_jobs WHERE queue LIKE \(runID + "%")", logger: logger)
        return results
    }

    /// Runs a scenario `--repeat` times, clearing its rows between runs, and keeps each figure's
    /// median: on a shared VM one run can be off by a third either way.
    func repeated(_ scenario: () async throws -> [BenchResult]) async throws -> [BenchResult] {
        var runs: [[BenchResult]] = []
        for _ in 0..<max(1, options.repeats) {
            runs.append(try await scenario())
            try await client.query("DELETE FROM queue_jobs WHERE queue LIKE \(runID + "%")", logger: logger)
            try await vacuum()
        }
        return runs[0].map { first in
            let values = runs.compactMap { $0.first { $0.name == first.name }?.value }.sorted()
            return BenchResult(name: first.name, value: values[values.count / 2], unit: first.unit,
                               target: first.target, higherIsBetter: first.higherIsBetter)
        }
    }

    /// Vacuums what the last scenario deleted now, so autovacuum does not do it during the next
    /// one (its writes slowed every commit of a run that followed a large delete by half).
    func vacuum() async throws {
        try await client.query("VACUUM queue_jobs", logger: logger)
    }

    func noopJob(_ queueName: String, kind: String = NoopJob.name) throws -> NewJob {
        try NewJob(kind: kind, argsJSON: "{}", options: JobOptions(queue: queueName))
    }

    func rate(_ count: Int, _ elapsed: Duration) -> Double { Double(count) / elapsed.seconds }

    // MARK: Enqueue

    func sequentialEnqueue() async throws -> BenchResult {
        let name = "\(runID)-seq"
        let job = try noopJob(name)
        let elapsed = try await ContinuousClock().measure {
            for _ in 0..<options.sequentialEnqueues { try await queue.enqueue(job) }
        }
        return BenchResult(name: BenchRatios.sequential, value: rate(options.sequentialEnqueues, elapsed),
                           unit: "jobs/s", target: nil, higherIsBetter: true)
    }

    func concurrentEnqueue() async throws -> BenchResult {
        let name = "\(runID)-conc"
        let job = try noopJob(name)
        let perClient = options.concurrentEnqueues / 16
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask { for _ in 0..<perClient { try await queue.enqueue(job) } }
                }
                try await group.waitForAll()
            }
        }
        return BenchResult(name: BenchRatios.concurrent, value: rate(perClient * 16, elapsed),
                           unit: "jobs/s", target: nil, higherIsBetter: true)
    }

    /// Batches of 10k (the issue's figure) and of 1k, the smallest batch that goes in by COPY.
    func batchEnqueue() async throws -> [BenchResult] {
        let name = "\(runID)-batch"
        var results: [BenchResult] = []
        for size in [10_000, JobStore.copyThreshold] {
            let batch = Array(repeating: try noopJob(name), count: size)
            let batches = options.batchJobs / size
            let elapsed = try await ContinuousClock().measure {
                for _ in 0..<batches { try await queue.enqueueMany(batch) }
            }
            results.append(BenchResult(name: "batch enqueue (\(size / 1_000)k per call)", value: rate(batches * size, elapsed),
                                       unit: "jobs/s", target: nil, higherIsBetter: true))
        }
        return results
    }

    // MARK: Processing

    /// Pre-enqueued no-op jobs processed by an in-process worker; the clock stops when every ack is committed.
    /// `deleting`: jobs of a kind whose completed rows are deleted rather than kept.
    func burnDown(deleting: Bool) async throws -> BenchResult {
        let name = "\(runID)-burn\(deleting ? "-delete" : "")"
        try await fill(name, options.burnDownJobs, kind: deleting ? DisposableNoopJob.name : NoopJob.name)
        let counter = RunCounter()
        var registry = JobRegistry()
        registry.register(NoopJob(counter: counter))
        registry.register(DisposableNoopJob(counter: counter))
        let environment = ProcessInfo.processInfo.environment
        var configuration = WorkerConfiguration(id: "\(name)-worker", queues: [name: Int(environment["BENCH_SLOTS"] ?? "") ?? 4_000])
        configuration.claimBatch = Int(environment["BENCH_CLAIM_BATCH"] ?? "") ?? 1_000
        configuration.claimConcurrency = Int(environment["BENCH_CLAIMERS"] ?? "") ?? 1
        configuration.ackBatch = Int(environment["BENCH_ACK_BATCH"] ?? "") ?? 5_000
        configuration.ackConcurrency = Int(environment["BENCH_ACKERS"] ?? "") ?? 2
        let worker = Worker(configuration: configuration, store: queue.store, registry: registry,
                            subscriber: redis.map { WakeupSubscriber(configuration: $0, logger: logger) }, logger: logger)
        let total = options.burnDownJobs
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                // Stopping flushes the last acks, so the clock includes every commit.
                while counter.value < total { try await Task.sleep(for: .milliseconds(2)) }
                worker.stop()
                try await group.waitForAll()
            }
        }
        let left = try await queue.store.stats().first { $0.queue == name }
        guard left == nil || (left!.ready == 0 && left!.running == 0) else { throw BenchError("burn-down left jobs unfinished: \(left!)") }
        return BenchResult(name: deleting ? BenchRatios.burnDownDeleting : BenchRatios.burnDown, value: rate(options.burnDownJobs, elapsed),
                           unit: "jobs/s", target: nil, higherIsBetter: true)
    }

    // MARK: Wake-up latency

    /// Jobs enqueued 20 ms apart into an idle worker: from just before `enqueue` to the handler's first line.
    func wakeupLatency() async throws -> [BenchResult] {
        let name = "\(runID)-wake"
        let recorder = WakeupRecorder()
        var registry = JobRegistry()
        registry.register(TimestampJob(recorder: recorder))
        var configuration = WorkerConfiguration(id: "\(name)-worker", queues: [name: 10])
        configuration.pollInterval = .seconds(5)
        let subscriber = redis.map { WakeupSubscriber(configuration: $0, logger: logger) }
        let worker = Worker(configuration: configuration, store: queue.store, registry: registry, subscriber: subscriber, logger: logger)
        let count = options.wakeups
        let latencies = try await withThrowingTaskGroup(of: Void.self) { group -> [Duration] in
            group.addTask { try await worker.run() }
            try await Task.sleep(for: .milliseconds(500))
            for sequence in 0..<count {
                let job = try NewJob(TimestampJob.self, TimestampJob.Args(sequence: sequence), options: JobOptions(queue: name))
                recorder.started(sequence)
                let call = try await ContinuousClock().measure { try await queue.enqueue(job) }
                recorder.enqueued(after: call)
                try await Task.sleep(for: .milliseconds(20))
            }
            while recorder.count < count { try await Task.sleep(for: .milliseconds(10)) }
            worker.stop()
            try await group.waitForAll()
            return recorder.latencies
        }.sorted()
        let calls = recorder.enqueueCalls.sorted()
        func percentile(_ p: Double, of latencies: [Duration] = latencies) -> Double {
            latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))].seconds * 1000
        }
        return [
            BenchResult(name: BenchRatios.wakeupP50, value: percentile(0.50), unit: "ms", target: nil, higherIsBetter: false),
            BenchResult(name: "wake-up latency p95", value: percentile(0.95), unit: "ms", target: nil, higherIsBetter: false),
            BenchResult(name: BenchRatios.wakeupP99, value: percentile(0.99), unit: "ms", target: nil, higherIsBetter: false),
            // The part of the latency that is the enqueue's own commit, before any wake-up starts.
            BenchResult(name: BenchRatios.enqueueCallP50, value: percentile(0.50, of: calls), unit: "ms", target: nil, higherIsBetter: false),
        ]
    }

    // MARK: Claim speed with history

    /// Claim-and-ack rounds of 100 over 20,000 ready jobs, before and after adding finished jobs.
    func claimWithHistory() async throws -> [BenchResult] {
        let before = try await storeClaimAck("\(runID)-hist-a", total: 20_000, loops: 1)
        try await client.query("""
            INSERT INTO queue_jobs (kind, queue, args, state, max_attempts, attempt, finished_at)
            SELECT 'bench.noop', \(runID + "-hist-done"), '{}', 'completed', 1, 1, now()
            FROM generate_series(1, \(options.finishedHistory))
            """, logger: logger)
        try await client.query("ANALYZE queue_jobs", logger: logger)
        let after = try await storeClaimAck("\(runID)-hist-b", total: 20_000, loops: 1)
        return [
            BenchResult(name: "claim+ack, empty history", value: before, unit: "jobs/s", target: nil, higherIsBetter: true),
            BenchResult(name: "claim+ack, \(options.finishedHistory / 1000)k finished jobs", value: after, unit: "jobs/s",
                        target: nil, higherIsBetter: true),
        ]
    }

    /// Jobs per claim in the claim+ack loops (the issue's reference loop claims 100 per round trip).
    static let claimRound = 100

    /// Claim-and-ack rounds of `claimRound` through `JobStore.claim` and `JobStore.acknowledge` on `loops`
    /// loops at once, over `total` jobs enqueued first.
    func storeClaimAck(_ name: String, total: Int, loops: Int, deleting: Bool = false) async throws -> Double {
        try await fill(name, total)
        let store = queue.store
        let elapsed = try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<loops {
                    group.addTask {
                        while true {
                            let jobs = try await store.claim(queue: name, limit: Self.claimRound, workerID: "bench", lease: .seconds(60))
                            if jobs.isEmpty { return }
                            try await store.acknowledge(jobs.map {
                                Completion(jobID: $0.id, leaseToken: $0.leaseToken, result: .completed(resultJSON: nil), deleteIfCompleted: deleting)
                            }, workerID: "bench")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return rate(total, elapsed)
    }

    /// Enqueues `count` no-op jobs into `name` in batches of 10,000, then analyzes, so claims are
    /// planned on statistics that know the rows.
    func fill(_ name: String, _ count: Int, kind: String = NoopJob.name) async throws {
        let batch = Array(repeating: try noopJob(name, kind: kind), count: 10_000)
        for _ in 0..<(count / batch.count) { try await queue.enqueueMany(batch) }
        try await client.query("ANALYZE queue_jobs", logger: logger)
    }

    // MARK: Worker process memory

    /// Peak RSS of a real worker process after it burnt down as many canary jobs as the burn-down
    /// (100,000, the issue's figure; 20,000 with `--quick`).
    func workerRSS(binary: String) async throws -> BenchResult {
        let name = "\(runID)-rss"
        let job = try NewJob(CanaryJob.self, CanaryJob.Args(), options: JobOptions(queue: name))
        for _ in 0..<max(1, options.burnDownJobs / 10_000) { try await queue.enqueueMany(Array(repeating: job, count: 10_000)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "WORKER_QUEUES": "\(name)=200", "MIGRATE_ON_START": "false", "LOG_LEVEL": "warning",
        ]) { $1 }
        try process.run()
        while try await queue.store.stats().first(where: { $0.queue == name }).map({ $0.ready + $0.running > 0 }) ?? false {
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let peakKB = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        process.terminate()
        process.waitUntilExit()
        return BenchResult(name: "worker process peak RSS", value: peakKB / 1024, unit: "MB", target: 50, higherIsBetter: false)
    }
}
