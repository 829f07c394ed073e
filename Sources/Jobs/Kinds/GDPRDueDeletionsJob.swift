import Foundation
import PostgresNIO
import QueueEngine

/// Starts the deletions whose grace period is over: one `gdpr.delete` job per due request (unique
/// per request, so overlapping sweeps start each once). Scheduled from `cron/`.
public struct GDPRDueDeletionsJob: JobKind {
    public struct Args: Codable, Sendable {
        public init() {}
    }

    struct Result: Codable {
        let started: Int
    }

    public static let name = "gdpr.start-due-deletions"
    public static var defaults: JobDefaults { JobDefaults(queue: "maintenance", maxAttempts: 3, timeout: .seconds(300)) }

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let started = try await client.transaction(logger: logger) { connection -> Int in
            let due = try await GDPRStore.dueDeletions(limit: 1_000, on: connection, logger: logger)
            let jobs = try due.map { id in
                try NewJob(GDPRDeletionJob.self, GDPRDeletionJob.Args(requestID: id),
                           options: JobOptions(uniqueKey: "gdpr-delete:\(id.uuidString.lowercased())"))
            }
            let results = try await JobStore.insertMany(jobs, on: connection, logger: logger)
            return results.filter { !$0.isDuplicate }.count
        }
        return try .success(Result(started: started))
    }
}
