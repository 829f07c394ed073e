import QueueEngine
import ServerSupport

/// How campaigns are split and paced.
public struct CampaignSettings: Sendable {
    /// Recipients per chunk job.
    public var chunkSize: Int
    /// Chunk jobs of one workspace running at once, across all workers.
    public var concurrencyPerWorkspace: Int
    /// Emails per second of one workspace's campaigns, across all workers (each running chunk
    /// sends its share: this divided by the concurrency).
    public var ratePerWorkspace: Double
    /// The queue of campaign jobs, apart from transactional mail so a large campaign never delays a
    /// password reset (a worker serving it must list it in `WORKER_QUEUES` when that is set).
    public var queue: String
    /// Most recipients one campaign may have (a list of them must also fit the 1 MiB JSON body).
    public var maxRecipients: Int

    public init(chunkSize: Int = 500, concurrencyPerWorkspace: Int = 2, ratePerWorkspace: Double = 50, maxRecipients: Int = 20_000,
                queue: String = CampaignChunkJob.defaults.queue) {
        self.chunkSize = chunkSize
        self.concurrencyPerWorkspace = concurrencyPerWorkspace
        self.ratePerWorkspace = ratePerWorkspace
        self.maxRecipients = maxRecipients
        self.queue = queue
    }

    /// From `CAMPAIGN_CHUNK_SIZE`, `CAMPAIGN_CONCURRENCY_PER_WORKSPACE`, `CAMPAIGN_RATE_PER_SECOND`,
    /// `CAMPAIGN_MAX_RECIPIENTS` and `CAMPAIGN_QUEUE`.
    public init(environment: Environment) throws {
        let defaults = CampaignSettings()
        self.init(chunkSize: try environment.int("CAMPAIGN_CHUNK_SIZE", default: defaults.chunkSize, range: 1...10_000),
                  concurrencyPerWorkspace: try environment.int("CAMPAIGN_CONCURRENCY_PER_WORKSPACE", default: defaults.concurrencyPerWorkspace,
                                                               range: 1...1_000),
                  ratePerWorkspace: Double(try environment.int("CAMPAIGN_RATE_PER_SECOND", default: Int(defaults.ratePerWorkspace),
                                                               range: 1...1_000_000)),
                  maxRecipients: try environment.int("CAMPAIGN_MAX_RECIPIENTS", default: defaults.maxRecipients, range: 1...10_000_000),
                  queue: environment.string("CAMPAIGN_QUEUE", default: defaults.queue))
    }

    /// The pause between two sends of one chunk job.
    public var interval: Duration {
        .milliseconds(Int64(1_000 * Double(concurrencyPerWorkspace) / ratePerWorkspace))
    }
}
