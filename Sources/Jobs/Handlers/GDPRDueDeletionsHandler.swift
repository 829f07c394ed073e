import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// Runs `GDPRDueDeletionsJob` (its arguments and defaults are defined in Platform, for producers).
public struct GDPRDueDeletionsHandler: JobHandler {
    public typealias Definition = GDPRDueDeletionsJob
    public typealias Args = GDPRDueDeletionsJob.Args

    struct Result: Codable {
        let started: Int
    }

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
