import Foundation
import PostgresNIO
import QueueEngine

/// Splits a campaign into its chunk jobs, enqueued together with a unique key per chunk (a re-run
/// adds none twice) and the workspace's concurrency limit, so one workspace's campaigns never run
/// more than `CAMPAIGN_CONCURRENCY_PER_WORKSPACE` chunks at once however many workers there are.
public struct CampaignFanOutJob: JobKind {
    public struct Args: Codable, Sendable {
        public var campaignID: UUID

        public init(campaignID: UUID) {
            self.campaignID = campaignID
        }
    }

    struct Result: Codable {
        let chunks: Int
    }

    public static let name = "email.campaign"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email-bulk", maxAttempts: 10, timeout: .seconds(300), retryPolicy: RetryPolicy(base: .seconds(5), cap: .seconds(300)))
    }

    let client: PostgresClient
    let settings: CampaignSettings

    public init(client: PostgresClient, settings: CampaignSettings) {
        self.client = client
        self.settings = settings
    }

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        let logger = context.logger
        let settings = self.settings
        return try await client.transaction(logger: logger) { connection in
            guard let campaign = try await CampaignStore.campaign(id: args.campaignID, on: connection, logger: logger) else {
                return .discard(reason: "campaign \(args.campaignID) no longer exists")
            }
            guard campaign.state == "sending" else { return .success }
            let workspace = campaign.workspaceID.uuidString.lowercased()
            let jobs = try (0..<campaign.chunks).map { chunk in
                try NewJob(CampaignChunkJob.self, CampaignChunkJob.Args(campaignID: campaign.id, chunk: chunk), options: JobOptions(
                    queue: settings.queue, uniqueKey: "campaign:\(campaign.id.uuidString.lowercased()):chunk:\(chunk)", workspaceID: workspace,
                    concurrency: ConcurrencyLimit(key: "email-campaigns:\(workspace)", limit: settings.concurrencyPerWorkspace)))
            }
            _ = try await JobStore.insertMany(jobs, on: connection, logger: logger)
            return try .success(Result(chunks: jobs.count))
        }
    }
}
