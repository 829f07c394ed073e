import Platform
import QueueEngine

/// The handlers of the platform's job kinds, with the providers they call, for the worker.
extension PlatformJobs {
    public static func registry(store: JobStore, providers: PlatformProviders = PlatformProviders()) -> JobRegistry {
        var registry = JobRegistry()
        var providers = providers
        providers.mail = providers.mail?.throttled(by: PostgresSendThrottle(client: store.client))
        registry.register(CanaryHandler())
        registry.register(PruneJobsHandler(store: store))
        registry.register(CleanupExpiredAccessHandler(client: store.client))
        registry.register(OutboundCallHandler(client: store.client, twilio: providers.twilio, settings: providers.calls))
        registry.register(TranscribeCallHandler(client: store.client, twilio: providers.twilio, transcription: providers.transcription,
                                            settings: providers.calls))
        registry.register(ConfigureNumberHandler(client: store.client, twilio: providers.twilio))
        registry.register(PurchaseNumberHandler(client: store.client, twilio: providers.twilio))
        registry.register(AnalyzeCallHandler(client: store.client, models: providers.languageModels, settings: providers.conversations))
        registry.register(ExtractTextHandler(client: store.client, storage: providers.storage, limits: providers.extraction))
        registry.register(SendEmailHandler(client: store.client, mail: providers.mail))
        registry.register(CampaignFanOutHandler(client: store.client, settings: providers.mail?.configuration.campaigns ?? CampaignSettings()))
        registry.register(CampaignChunkHandler(client: store.client, mail: providers.mail))
        registry.register(CreditCheckHandler(client: store.client))
        registry.register(UsageReportHandler(client: store.client))
        registry.register(GDPRExportHandler(client: store.client, storage: providers.storage, mail: providers.mail,
                                        lifetime: providers.gdprExportLifetime))
        registry.register(GDPRDeletionHandler(client: store.client, storage: providers.storage))
        registry.register(GDPRDueDeletionsHandler(client: store.client))
        registry.register(InvokeToolHandler(client: store.client, invoker: providers.tools))
        registry.register(DiscardedJobEventsHandler(client: store.client))
        registry.register(DeliverWebhookHandler(client: store.client, http: providers.tools.http, sealer: providers.tools.sealer,
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
