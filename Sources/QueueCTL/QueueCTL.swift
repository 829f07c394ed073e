import ArgumentParser
import Foundation
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport

/// `queuectl`: the queue engine from the command line (migrate, enqueue, list, inspect, retry,
/// cancel, stats, pause, resume, workers, kinds). Connects with `--database-url` or `DATABASE_URL`,
/// and `REDIS_URL`; `--json` prints JSON for scripts.
@main
struct QueueCTL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queuectl",
        abstract: "Operate the VoicePartnerAI job queue.",
        subcommands: [Migrate.self, Enqueue.self, List.self, Inspect.self, Retry.self, Cancel.self,
                      Stats.self, Pause.self, Resume.self, Workers.self, Kinds.self]
    )
}

/// The database and wake-up connections of one command.
struct Connection {
    let queue: JobQueue
    let client: PostgresClient
    let logger: Logger

    static func run<T: Sendable>(_ options: CommonOptions, _ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        var values = ProcessInfo.processInfo.environment
        if let url = options.databaseURL { values["DATABASE_URL"] = url }
        let environment = Environment(values)
        var logger = Logger(label: "queuectl")
        // A command line stays quiet unless asked: the pool's connection retries are not news.
        logger.logLevel = environment["LOG_LEVEL"] == nil ? .error : try LogConfiguration.level(environment)
        let database = try DatabaseConfiguration(environment: environment)
        let publisher = try RedisConfiguration.from(environment).map { WakeupPublisher(configuration: $0, logger: logger) }
        publisher?.start()
        defer { publisher?.stop() }
        let client = try await database.makeClient(logger: logger)
        let connection = Connection(queue: JobQueue(client: client, publisher: publisher, logger: logger, replyTimeout: database.replyTimeout),
                                    client: client, logger: logger)
        let place = "\(database.host):\(database.port)/\(database.database)"
        let result: T
        do {
            result = try await client.whileRunning {
                try await reachable(client, within: connectTimeout)
                return try await body(connection)
            }
        } catch is Unreachable {
            throw QueueCommandError(description: "cannot reach the database at \(place) within \(connectTimeout) (DATABASE_URL)")
        } catch let error as PSQLError {
            throw QueueCommandError(description: "database error at \(place): \(logDescription(error))")
        }
        // Give the publisher's thread a moment to send the wake-up before the process exits.
        try? await Task.sleep(for: .milliseconds(20))
        return result
    }
}

/// How long a command waits for the first database connection before it gives up.
let connectTimeout: Duration = .seconds(5)

struct Unreachable: Error {}

/// Fails fast with `Unreachable` instead of letting the pool retry a dead address for a minute.
func reachable(_ client: PostgresClient, within timeout: Duration) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await client.query("SELECT 1")
            return true
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return false
        }
        defer { group.cancelAll() }
        guard try await group.next() == true else { throw Unreachable() }
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let applied = try await Connection.run(common) { connection in
            try await PlatformMigrations.migrator(client: connection.client, logger: connection.logger).migrate()
        }
        if common.json { return try printJSON(["applied": applied]) }
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}

struct Enqueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enqueue a job from JSON arguments.")
    @OptionGroup var common: CommonOptions

    @Argument(help: "The job kind, e.g. platform.canary.") var kind: String
    @Option(help: "The job's arguments as a JSON object.") var args: String = "{}"
    @Option(help: "Queue (default: the kind's).") var queue: String?
    @Option(help: "Priority; lower runs first.") var priority: Int16?
    @Option(help: "Seconds from now until the job may run.") var delay: Int?
    @Option(help: "Attempts before the job is discarded.") var maxAttempts: Int?
    @Option(help: "At most one non-final job has this key.") var uniqueKey: String?
    @Option(help: "The workspace the job belongs to.") var workspace: String?
    @Option(help: "A tag; repeat for more.") var tag: [String] = []

    func validate() throws {
        if let delay, !(0...Int(NewJob.maximumDelay.components.seconds)).contains(delay) {
            throw ValidationError("--delay must be from 0 to \(NewJob.maximumDelay.components.seconds) seconds (a hundred years)")
        }
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
    }

    func run() async throws {
        let options = JobOptions(queue: queue, priority: priority, delay: delay.map { .seconds($0) },
                                 maxAttempts: maxAttempts, uniqueKey: uniqueKey, workspaceID: workspace, tags: tag)
        let (kind, args) = (self.kind, self.args)
        let result = try await Connection.run(common) { connection in
            // The API's rules: a kind nobody handles, or arguments its handler cannot decode, would
            // only be discarded by the worker; they are refused here.
            let catalogue = PlatformJobs.catalogue
            let defaults = catalogue.defaults(for: kind) ?? JobDefaults()
            let job: NewJob
            do {
                job = try NewJob(kind: kind, argsJSON: args, defaults: defaults, options: options)
                try catalogue.check(kind: kind, argsJSON: args)
            } catch let error as QueueError {
                throw ValidationError(error.message)
            } catch let error as JobCatalogue.UndecodableArguments {
                throw ValidationError("args do not fit \(error.kind): \(error.detail)")
            }
            return try await connection.queue.enqueue(job)
        }
        if common.json { return try printJSON(Answer(id: result.id, duplicate: result.isDuplicate, state: nil)) }
        print(result.isDuplicate ? "duplicate of job \(result.id)" : "enqueued job \(result.id)")
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var match: JobFilterOptions
    @Option(help: "Only jobs with a smaller id (paging).") var before: Int64?
    @Option var limit: Int = 50

    func run() async throws {
        var filter = try match.filter()
        filter.beforeID = before
        filter.limit = limit
        let jobs = try await Connection.run(common) { [filter] in try await $0.queue.store.list(filter) }
        if common.json { return try printJSON(jobs) }
        print("id\tstate\tqueue\tkind\tattempt\trun_at")
        for job in jobs {
            print("\(job.id)\t\(job.state.rawValue)\t\(job.queue)\t\(job.kind)\t\(job.attempt)/\(job.maxAttempts)\t\(job.runAt)")
        }
    }
}

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one job as JSON.")
    @OptionGroup var common: CommonOptions
    @Argument var id: Int64

    func run() async throws {
        let id = self.id
        try await QueueCommandError.mapping { try printJSON(try await Connection.run(common) { try await $0.queue.store.job(id: id) }) }
    }
}

struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a discarded or cancelled job again, or every one a filter matches (at most 10,000 a call).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The job; leave it out to retry what the filter options match.") var id: Int64?
    @OptionGroup var match: JobFilterOptions

    func run() async throws {
        guard let id else {
            let outcome = try await Bulk.run(common, match) { queue, filter in try await queue.retryMatching(filter) }
            if common.json { return try printJSON(BulkAnswer(outcome)) }
            return print("\(outcome.count) jobs available again\(outcome.more ? "; more match: run it again" : "")")
        }
        guard match.isEmpty else { throw ValidationError("give a job id or filter options, not both") }
        try await QueueCommandError.mapping { try await Connection.run(common) { try await $0.queue.retry(id: id) } }
        if common.json { return try printJSON(Answer(id: id, duplicate: nil, state: JobState.available.rawValue)) }
        print("job \(id) is available again")
    }
}

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a queued or running job, or every one a filter matches (at most 10,000 a call).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The job; leave it out to cancel what the filter options match.") var id: Int64?
    @OptionGroup var match: JobFilterOptions

    func run() async throws {
        guard let id else {
            let outcome = try await Bulk.run(common, match) { queue, filter in try await queue.cancelMatching(filter) }
            if common.json { return try printJSON(BulkAnswer(outcome)) }
            return print("\(outcome.count) jobs cancelled (\(outcome.running.count) running, told to stop)"
                         + (outcome.more ? "; more match: run it again" : ""))
        }
        guard match.isEmpty else { throw ValidationError("give a job id or filter options, not both") }
        let state = try await QueueCommandError.mapping { try await Connection.run(common) { try await $0.queue.cancel(id: id) } }
        if common.json { return try printJSON(Answer(id: id, duplicate: nil, state: state == .running ? "cancelling" : "cancelled")) }
        print(state == .running ? "job \(id) is running; its worker was told to stop it" : "job \(id) cancelled")
    }
}

/// A bulk action needs at least one filter option, so a bare `cancel` never means every job.
enum Bulk {
    static func run(_ common: CommonOptions, _ match: JobFilterOptions,
                    _ action: @escaping @Sendable (JobQueue, JobFilter) async throws -> BulkOutcome) async throws -> BulkOutcome {
        guard !match.isEmpty else { throw ValidationError("give a job id, or at least one of --queue, --state, --kind, --workspace, --search") }
        let filter = try match.filter()
        return try await QueueCommandError.mapping { try await Connection.run(common) { try await action($0.queue, filter) } }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Queue depth, what could start, and oldest ready age per queue.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let stats = try await Connection.run(common) { try await $0.queue.store.stats() }
        if common.json { return try printJSON(stats) }
        print("queue\tready\trunnable\tscheduled\trunning\toldest_ready_s\tpaused")
        for row in stats {
            let age = String(format: "%.1f", row.oldestReadyAgeSeconds)
            print("\(row.queue)\t\(row.ready)\t\(row.runnable)\t\(row.scheduled)\t\(row.running)\t\(age)\t\(row.paused)")
        }
    }
}

struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop workers from claiming jobs of a queue.")
    @OptionGroup var common: CommonOptions
    @Argument var queue: String

    func run() async throws {
        let queue = self.queue
        try await Connection.run(common) { try await $0.queue.store.pause(queue: queue) }
        if common.json { return try printJSON(["queue": queue, "state": "paused"]) }
        print("queue \(queue) paused")
    }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Let workers claim from a paused queue again.")
    @OptionGroup var common: CommonOptions
    @Argument var queue: String

    func run() async throws {
        let queue = self.queue
        try await Connection.run(common) { try await $0.queue.resume(queue: queue) }
        if common.json { return try printJSON(["queue": queue, "state": "resumed"]) }
        print("queue \(queue) resumed")
    }
}

/// What a command that changes one job answers with `--json`.
struct Answer: Encodable {
    let id: Int64
    let duplicate: Bool?
    let state: String?
}

/// Turns the engine's coded errors into a one-line message and a non-zero exit.
struct QueueCommandError: Error, CustomStringConvertible {
    let description: String

    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as QueueError {
            throw QueueCommandError(description: "error (\(error.code)): \(error.message)")
        }
    }
}
