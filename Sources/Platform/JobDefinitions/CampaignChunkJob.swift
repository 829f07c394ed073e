import Foundation
import QueueEngine

/// Sends one chunk of a campaign. Recipients go out in batches as large as the provider about to
/// take them allows (SendGrid: up to 1,000 personalizations rendered once; SMTP: one), and each
/// batch's outcomes are committed right after it (`sent`, `bounced`; `skipped` for suppressed or
/// unsubscribed addresses and `failed` for ones that do not render are settled first). Only
/// `queued` recipients are read, so a retried or rescued chunk sends nobody twice — except the
/// batch in flight when a worker died after the provider took it and before its outcome was
/// committed; that resend carries the same Message-IDs. Paced to `CAMPAIGN_RATE_PER_SECOND` per
/// workspace, shared by all of its running chunks through the mailer's throttle. Provider trouble
/// retries the chunk; on its last attempt the chunk's remaining recipients are marked failed, so
/// the campaign still ends.
public enum CampaignChunkJob: JobDefinition {
    public struct Args: Codable, Sendable {
        public var campaignID: UUID
        public var chunk: Int

        public init(campaignID: UUID, chunk: Int) {
            self.campaignID = campaignID
            self.chunk = chunk
        }
    }

    public static let name = "email.campaign-chunk"
    public static var defaults: JobDefaults {
        JobDefaults(queue: "email-bulk", maxAttempts: 8, timeout: .seconds(3_600), retryPolicy: RetryPolicy(base: .seconds(30), cap: .seconds(900)))
    }
}
