import QueueEngine

/// The job kinds of this platform, registered for the worker process (and checked by the scheduler). Each job-kind issue adds its
/// handlers here (outbound calls, text extraction, transcription, email, credits, reports, GDPR).
public enum PlatformJobs {
    public static func registry(store: JobStore, providers: PlatformProviders = PlatformProviders()) -> JobRegistry {
        var registry = JobRegistry()
        var providers = providers
        providers.mail = providers.mail?.throttled(by: PostgresSendThrottle(client: store.client))
        registry.register(CanaryJob())
        registry.register(PruneJobsJob(store: store))
        registry.register(CleanupExpiredAccessJob(client: store.client))
        registry.register(OutboundCallJob(client: store.client, twilio: providers.twilio, settings: providers.calls))
        registry.register(TranscribeCallJob(client: store.client, twilio: providers.twilio, transcription: providers.transcription,
                                            settings: providers.calls))
        registry.register(ExtractTextJob(client: store.client, storage: providers.storage, limits: providers.extraction))
        registry.register(SendEmailJob(client: store.client, mail: providers.mail))
        registry.register(CampaignFanOutJob(client: store.client, settings: providers.mail?.configuration.campaigns ?? CampaignSettings()))
        registry.register(CampaignChunkJob(client: store.client, mail: providers.mail))
        registry.register(CreditCheckJob(client: store.client))
        registry.register(UsageReportJob(client: store.client))
        registry.register(GDPRExportJob(client: store.client, storage: providers.storage, mail: providers.mail,
                                        lifetime: providers.gdprExportLifetime))
        registry.register(GDPRDeletionJob(client: store.client, storage: providers.storage))
        registry.register(GDPRDueDeletionsJob(client: store.client))
        registry.register(InvokeToolJob(client: store.client, invoker: providers.tools))
        registry.register(DiscardedJobEventsJob(client: store.client))
        registry.register(DeliverWebhookJob(client: store.client, http: providers.tools.http, sealer: providers.tools.sealer,
                                            settings: providers.webhooks))
        return registry
    }

    /// The queues a platform worker serves when `WORKER_QUEUES` does not say: every registered kind's
    /// default queue, with few slots for maintenance and ten for the rest.
    public static func defaultQueues(_ registry: JobRegistry) -> [String: Int] {
        var queues: [String: Int] = [:]
        for kind in registry.kinds {
            guard let queue = registry.defaults(for: kind)?.queue else { continue }
            queues[queue] = queue == "maintenance" ? 2 : 10
        }
        return queues
    }
}
