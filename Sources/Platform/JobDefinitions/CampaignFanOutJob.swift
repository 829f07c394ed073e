import Foundation
import QueueEngine

/// Splits a campaign into its chunk jobs, enqueued together with a unique key per chunk (a re-run
/// adds none twice) and the workspace's concurrency limit, so one workspace's campaigns never run
/// more than `CAMPAIGN_CONCURRENCY_PER_WORKSPACE` chunks at once however many workers there are.
public enum CampaignFanOutJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var campaignID: UUID

        public init(campaignID: UUID) {
            self.campaignID = campaignID
        }
    }

    public static let name = "email.campaign"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email-bulk", maxAttempts: 10, timeout: .seconds(300), retryPolicy: RetryPolicy(base: .seconds(5), cap: .seconds(300)))
    }
}
