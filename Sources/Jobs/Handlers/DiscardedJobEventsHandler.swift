import Foundation
import Logging
import Platform
import PostgresNIO
import QueueEngine

/// Runs `DiscardedJobEventsJob` (its arguments and defaults are defined in Platform, for producers).
public struct DiscardedJobEventsHandler: JobHandler {
    public typealias Definition = DiscardedJobEventsJob
    public typealias Args = DiscardedJobEventsJob.Args

    struct Result: Codable {
        let jobs: Int
        let deliveries: Int
    }
    static let batch = 1_000

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let settle = Double(max(args.settleSeconds ?? 30, 0))
        var total = (jobs: 0, deliveries: 0)
        while true {
            let (jobs, deliveries) = try await client.transaction(logger: logger) { connection -> (Int, Int) in
                var watermark = DiscardedJob.Mark.start
                let rows = try await connection.query("SELECT finished_at, job_id FROM webhook_discard_watermark FOR UPDATE", logger: logger)
                for try await (at, id) in rows.decode((Date, Int64).self) { watermark = DiscardedJob.Mark(finishedAt: at, id: id) }
                let discarded = try await DiscardedJob.after(watermark, settledFor: settle, limit: Self.batch, on: connection, logger: logger)
                var deliveries = 0
                for job in discarded {
                    guard job.kind != DeliverWebhookJob.name, let workspaceID = job.tenant.flatMap(UUID.init(uuidString:)) else { continue }
                    deliveries += try await WebhookEvents.emit(.jobDiscarded, workspaceID: workspaceID, data: .object([
                        "job_id": .number(Double(job.id)), "kind": .string(job.kind), "queue": .string(job.queue),
                        "attempts": .number(Double(job.attempt)), "error": .string(String(job.lastError.prefix(2_000))),
                        "finished_at": .string(job.finishedAt.formatted(.iso8601)),
                    ]), on: connection, logger: logger)
                }
                if let last = discarded.last?.mark {
                    try await connection.query("UPDATE webhook_discard_watermark SET finished_at = \(last.finishedAt), job_id = \(last.id)",
                                               logger: logger)
                }
                return (discarded.count, deliveries)
            }
            total.jobs += jobs
            total.deliveries += deliveries
            if jobs < Self.batch { break }
        }
        return try .success(Result(jobs: total.jobs, deliveries: total.deliveries))
    }
}
