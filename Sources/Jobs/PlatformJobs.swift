import QueueEngine

/// The job kinds of this platform: their definitions for everything that enqueues or schedules jobs
/// (the API, the scheduler, `queuectl`), and their handlers with the providers they call for the worker.
public enum PlatformJobs {
    /// Every kind's name, arguments and defaults; builds no handler and no provider.
    public static let catalogue: JobCatalogue = {
        var catalogue = JobCatalogue()
        catalogue.register(CanaryJob.self)
        catalogue.register(PruneJobsJob.self)
        catalogue.register(CleanupExpiredAccessJob.self)
        catalogue.register(OutboundCallJob.self)
        catalogue.register(TranscribeCallJob.self)
        catalogue.register(ExtractTextJob.self)
        catalogue.register(SendEmailJob.self)
        catalogue.register(CampaignFanOutJob.self)
        catalogue.register(CampaignChunkJob.self)
        catalogue.register(CreditCheckJob.self)
        catalogue.register(UsageReportJob.self)
        catalogue.register(GDPRExportJob.self)
        catalogue.register(GDPRDeletionJob.self)
        catalogue.register(GDPRDueDeletionsJob.self)
        catalogue.register(InvokeToolJob.self)
        catalogue.register(DiscardedJobEventsJob.self)
        catalogue.register(DeliverWebhookJob.self)
        return catalogue
    }()

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
