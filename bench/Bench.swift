import Foundation
import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Synchronization

/// The engine's benchmark: enqueue (sequential, concurrent, batch), burn-down processing through the
/// real worker runtime, wake-up latency into idle workers, claim speed with a large finished history,
/// and the RSS of a real worker process. Prints a table and compares with the previous run.
@main
struct Bench {
    /// A refused argument or a failed scenario ends the run with one line on stderr, not a crash report.
    static func main() async {
        do {
            try await run(BenchOptions(arguments: Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
            exit(error is BenchOptions.Refused ? 2 : 1)
        }
    }

    static func run(_ options: BenchOptions) async throws {
        // The processes' own log handler: what a worker pays per job for its logger's metadata is part of the run.
        let logger = LogConfiguration.bootstrap(label: "bench", level: .warning)
        let environment = Environment(ProcessInfo.processInfo.environment)
        var database = try DatabaseConfiguration(environment: environment)
        database.poolSize = 24
        let (replyTimeout, poolSize) = (database.replyTimeout, database.poolSize)
        let redis = try RedisConfiguration.from(environment)
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let publisher = redis.map { WakeupPublisher(configuration: $0, logger: logger) }
        publisher?.start()
        let results = try await client.whileRunning {
            try await PlatformMigrations.migrator(client: client, logger: logger).migrate()
            let queue = JobQueue(client: client, publisher: publisher, logger: logger, replyTimeout: replyTimeout, poolSize: poolSize)
            let suite = BenchSuite(client: client, queue: queue, redis: redis, options: options, logger: logger)
            return try await suite.runAll()
        }
        publisher?.stop()
        BenchReport(results: results, resultsFile: options.resultsFile).print()
    }
}

/// What `--only` picks from; the suite runs them in its own order.
enum BenchScenario: String, CaseIterable, Sendable {
    case enqueue, burndown, ceiling, wakeup, history, rss, http, conversation, voice
}

/// Command-line choices: sizes can be lowered for a quick run (`--quick`).
struct BenchOptions: Sendable {
    var sequentialEnqueues = 5_000
    var concurrentEnqueues = 24_000
    var batchJobs = 200_000
    var burnDownJobs = 100_000
    var wakeups = 300
    var finishedHistory = 1_000_000
    var workerBinary: String?
    var apiBinary: String?
    var resultsFile = "bench/results/latest.json"
    var only: Set<BenchScenario> = []
    /// Runs of each throughput and latency scenario; the table shows each figure's median.
    var repeats = 1

    static let usage = "use --quick, --only a,b, --repeat N, --worker-binary PATH, --api-binary PATH, --results FILE"

    /// An argument the bench does not take.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--quick":
                sequentialEnqueues = 1_000; concurrentEnqueues = 4_000; batchJobs = 20_000
                burnDownJobs = 20_000; wakeups = 50; finishedHistory = 100_000
            case "--worker-binary": workerBinary = iterator.next()
            case "--api-binary": apiBinary = iterator.next()
            case "--results": resultsFile = iterator.next() ?? resultsFile
            case "--only":
                let names = (iterator.next() ?? "").split(separator: ",").map(String.init)
                let unknown = names.filter { BenchScenario(rawValue: $0) == nil }
                guard !names.isEmpty, unknown.isEmpty else {
                    throw Refused(description: "--only takes scenarios among \(BenchScenario.allCases.map(\.rawValue).joined(separator: ",")); "
                                  + "unknown: \(unknown.joined(separator: ","))")
                }
                only = Set(names.compactMap(BenchScenario.init(rawValue:)))
            case "--repeat":
                guard let text = iterator.next(), let count = Int(text), (1...9).contains(count) else {
                    throw Refused(description: "--repeat takes a count from 1 to 9")
                }
                repeats = count
            default:
                throw Refused(description: "unknown argument \(argument); \(Self.usage)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One measured figure.
struct BenchResult: Codable, Sendable {
    let name: String
    let value: Double
    let unit: String
    /// The issue's target, for the table; `higherIsBetter` decides how it is compared.
    let target: Double?
    let higherIsBetter: Bool
}
