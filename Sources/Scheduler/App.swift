import ArgumentParser
import Foundation
import Logging
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import ServiceLifecycle
import Telemetry

/// The scheduler process: turns `cron/` entries into jobs, exactly once per tick across replicas.
/// `Scheduler` (or `Scheduler run`) runs it; `validate`, `next` and `status` inspect the schedule.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Scheduler",
        abstract: "Turns the cron/ schedule into jobs, exactly once per tick however many replicas run.",
        subcommands: [Run.self, Validate.self, Next.self, Status.self],
        defaultSubcommand: Run.self
    )
}

/// Reads the process configuration, or exits with a message naming the bad variable.
func processConfiguration() throws -> SchedulerProcessConfiguration {
    do {
        return try SchedulerProcessConfiguration(environment: Environment(ProcessInfo.processInfo.environment))
    } catch {
        throw ValidationError("invalid configuration: \(error)")
    }
}

/// Loads and checks the schedule against the platform's job kinds.
func loadSchedule(folder: String) throws -> [ScheduleEntry] {
    do {
        return try ScheduleLoader(catalogue: PlatformJobs.catalogue).load(folder: folder)
    } catch {
        throw ValidationError("invalid schedule: \(error)")
    }
}

/// The schedule for commands that never connect.
func loadScheduleOffline(folder: String?) throws -> [ScheduleEntry] {
    try loadSchedule(folder: folder ?? processConfiguration().cronFolder)
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the scheduler until SIGTERM/SIGINT; SIGHUP reloads the schedule.")

    func run() async throws {
        await ProcessRunner.run("scheduler", configuration: SchedulerProcessConfiguration.init, describe: logDescription) { configuration, logger in
            let client = try await configuration.database.makeClient(logger: logger)
            let publisher = configuration.redis.map { WakeupPublisher(configuration: $0, logger: logger) }
            let queue = JobQueue(client: client, publisher: publisher, logger: logger,
                                 replyTimeout: configuration.database.replyTimeout)
            let entries = try loadSchedule(folder: configuration.cronFolder)
            let scheduler = CronScheduler(entries: entries, queue: queue, catalogue: PlatformJobs.catalogue,
                                          misfireGrace: configuration.misfireGrace, logger: logger)
            let dependencies: [(any Service)?] = [client, configuration.metricsListener, publisher]
            return dependencies.compactMap { $0 } + [
                PreparedServices(prepare: PlatformMigrations.onStart(configuration.migrateOnStart, client: client, logger: logger),
                                 then: [ScheduleReloader(folder: configuration.cronFolder, scheduler: scheduler, logger: logger), scheduler],
                                 logger: logger),
            ]
        }
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every schedule file; exit non-zero naming the first problem.")

    @Option(help: "The schedule folder (default: SCHEDULER_CRON_DIR or cron).") var dir: String?

    func run() async throws {
        let entries = try loadScheduleOffline(folder: dir)
        print("\(entries.count) schedule entries are valid (\(entries.filter(\.enabled).count) enabled)")
    }
}

struct Next: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the next fire times of every entry (a dry run; nothing is enqueued).")

    @Option(help: "The schedule folder (default: SCHEDULER_CRON_DIR or cron).") var dir: String?
    @Option(help: "How many fire times per entry.") var count = 5
    @Option(help: "Start from this instant (ISO 8601, e.g. 2027-03-28T00:00:00Z) instead of now.") var from: String?

    func validate() throws {
        guard (1...1_000).contains(count) else { throw ValidationError("--count must be 1 to 1000") }
        if let from, (try? Date(from, strategy: .iso8601)) == nil {
            throw ValidationError("--from must be an ISO 8601 instant such as 2027-03-28T00:00:00Z")
        }
    }

    func run() async throws {
        let entries = try loadScheduleOffline(folder: dir)
        let start = try from.map { try Date($0, strategy: .iso8601) } ?? Date()
        for entry in entries {
            let zone = entry.timeZone
            let local = Date.ISO8601FormatStyle(timeZone: zone)
            print("\(entry.name)  \(entry.expression)  \(zone.identifier)  \(entry.kind)\(entry.enabled ? "" : "  (disabled)")")
            for fire in entry.expression.fires(after: start, through: .distantFuture, in: zone, limit: count) {
                print("  \(ScheduleEntry.tickFormat.format(fire))  (\(local.format(fire)) local)")
            }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each entry's next run, last run and last job state from the database.")

    @Option(help: "The schedule folder (default: SCHEDULER_CRON_DIR or cron).") var dir: String?

    func run() async throws {
        let configuration = try processConfiguration()
        var logger = Logger(label: "scheduler")
        logger.logLevel = .error
        let client = try await configuration.database.makeClient(logger: logger)
        let store = JobStore(client: client, logger: logger, replyTimeout: configuration.database.replyTimeout)
        let entries = try loadSchedule(folder: dir ?? configuration.cronFolder)
        let records = try await client.whileRunning { try await store.schedules() }
        print("name\tnext run\tlast run\tlast job\tstate")
        for status in ScheduleStatus.of(entries, records: records) {
            let next = status.entry.enabled ? status.nextRun.map { ScheduleEntry.tickFormat.format($0) } ?? "never" : "disabled"
            let record = status.record
            let last = record?.lastTick.map { ScheduleEntry.tickFormat.format($0) } ?? "-"
            print("\(status.entry.name)\t\(next)\t\(last)\t\(record?.lastJobID.map(String.init) ?? "-")\t\(record?.lastJobState?.rawValue ?? "-")")
        }
    }
}

/// SIGHUP re-reads the schedule while the scheduler runs; a schedule with a problem is refused and
/// the old one kept.
struct ScheduleReloader: Service {
    let folder: String
    let scheduler: CronScheduler
    let logger: Logger

    func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [folder, scheduler, logger] in
            do {
                scheduler.reload(try loadSchedule(folder: folder))
            } catch {
                logger.error("schedule not reloaded; the previous one stays", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
        defer { source.cancel() }
        try? await gracefulShutdown()
    }
}
