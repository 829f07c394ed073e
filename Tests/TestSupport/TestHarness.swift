import Foundation
import Logging
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing

/// A migrated database, a job queue with wake-ups, and a queue name of the test's own, so tests run
/// in parallel without seeing each other's jobs.
public struct TestHarness: Sendable {
    public static let environment = Environment(ProcessInfo.processInfo.environment)
    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = Logger.Level(rawValue: environment["TEST_LOG_LEVEL"] ?? "warning") ?? .warning
        return logger
    }()

    public let client: PostgresClient
    public let queue: JobQueue
    public let publisher: WakeupPublisher?
    public let queueName: String
    public var store: JobStore { queue.store }
    public var logger: Logger { Self.logger }

    public static var databaseConfiguration: DatabaseConfiguration {
        get throws { try DatabaseConfiguration(environment: environment) }
    }

    public static var redisConfiguration: RedisConfiguration? {
        get throws { try RedisConfiguration.from(environment) }
    }

    public static func uniqueName(_ prefix: String = "t") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(12).lowercased())"
    }

    /// Runs `body` with a running client; the schema is migrated first (idempotent, lock-guarded).
    public static func with<T: Sendable>(
        database: DatabaseConfiguration? = nil,
        redis: RedisConfiguration?? = nil,
        _ body: @escaping @Sendable (TestHarness) async throws -> T
    ) async throws -> T {
        let database = try database ?? databaseConfiguration
        let redis = try redis ?? redisConfiguration
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let publisher = redis.map { WakeupPublisher(configuration: $0, logger: logger) }
        publisher?.start()
        defer { publisher?.stop() }
        return try await client.whileRunning {
            try await Migrator(client: client, logger: logger).migrate()
            let harness = TestHarness(
                client: client,
                queue: JobQueue(client: client, publisher: publisher, logger: logger, replyTimeout: database.replyTimeout),
                publisher: publisher, queueName: uniqueName())
            return try await body(harness)
        }
    }

    public func workerConfiguration(slots: Int = 10, _ adjust: (inout WorkerConfiguration) -> Void = { _ in }) -> WorkerConfiguration {
        var configuration = WorkerConfiguration(id: Self.uniqueName("worker"), queues: [queueName: slots])
        configuration.pollInterval = .milliseconds(200)
        configuration.lease = .seconds(5)
        configuration.shutdownGrace = .seconds(2)
        adjust(&configuration)
        return configuration
    }

    /// Runs an in-process worker for the duration of `body`, then stops it gracefully.
    public func withWorker<T: Sendable>(
        _ configuration: WorkerConfiguration,
        registry: JobRegistry,
        redis: RedisConfiguration?? = nil,
        _ body: @escaping @Sendable (Worker) async throws -> T
    ) async throws -> T {
        let redis = try redis ?? Self.redisConfiguration
        let subscriber = redis.map { WakeupSubscriber(configuration: $0, logger: logger) }
        let worker = Worker(configuration: configuration, store: store, registry: registry, subscriber: subscriber,
                            publisher: redis == nil ? nil : publisher, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await worker.run()
                return nil
            }
            do {
                let result = try await body(worker)
                worker.stop()
                while let next = try await group.next() { _ = next }
                return result
            } catch {
                worker.stop()
                group.cancelAll()
                throw error
            }
        }
    }

    /// Enqueues `job` into this test's queue.
    @discardableResult
    public func enqueue<K: JobDefinition>(_ kind: K.Type, _ args: K.Args, _ options: JobOptions = JobOptions()) async throws -> EnqueueResult {
        var options = options
        options.queue = options.queue ?? queueName
        return try await queue.enqueue(kind, args, options: options)
    }

    public func job(_ id: Int64) async throws -> JobRecord { try await store.job(id: id) }

    /// Waits until the job reaches a final state (or `state`), failing the test after `timeout`.
    @discardableResult
    public func waitFor(_ id: Int64, state: JobState? = nil, timeout: Duration = .seconds(20)) async throws -> JobRecord {
        var last: JobRecord?
        let found = try await eventually(timeout: timeout) {
            let record = try await job(id)
            last = record
            return state.map { record.state == $0 } ?? record.state.isFinal
        }
        if !found { Issue.record("job \(id) is \(last?.state.rawValue ?? "?"), expected \(state?.rawValue ?? "a final state")") }
        return try await job(id)
    }

    /// Counts this test queue's jobs by state.
    public func countByState() async throws -> [JobState: Int] {
        let rows = try await client.query(
            "SELECT state::text, count(*) FROM queue_jobs WHERE queue = \(queueName) GROUP BY 1", logger: logger)
        var counts: [JobState: Int] = [:]
        for try await (state, count) in rows.decode((String, Int).self) { counts[JobState(rawValue: state)!] = count }
        return counts
    }
}

/// Re-checks `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Fails the test unless `condition` holds within `timeout`.
public func expectEventually(
    timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    if try await !eventually(timeout: timeout, condition) {
        Issue.record("condition did not hold within \(timeout)", sourceLocation: sourceLocation)
    }
}
