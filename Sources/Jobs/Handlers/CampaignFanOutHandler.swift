import Foundation
import Platform
import PostgresNIO
import QueueEngine

/// Runs `CampaignFanOutJob` (its arguments and defaults are defined in Platform, for producers).
public struct CampaignFanOutHandler: JobHandler {
    public typealias Definition = CampaignFanOutJob
    public typealias Args = CampaignFanOutJob.Args

    struct Result: Codable {
        let chunks: Int
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
