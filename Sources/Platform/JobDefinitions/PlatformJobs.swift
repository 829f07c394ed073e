import QueueEngine

/// The job kinds of this platform, as definitions for everything that enqueues or schedules jobs (the
/// API, the scheduler, `queuectl`); the worker's handlers are registered in `Jobs`.
public enum PlatformJobs {
    /// Every kind's name, arguments and defaults; builds no handler and no provider.
    public static let catalogue: JobCatalogue = {
        var catalogue = JobCatalogue()
        catalogue.register(CanaryJob.self)
        catalogue.register(PruneJobsJob.self)
        catalogue.register(CleanupExpiredAccessJob.self)
        catalogue.register(OutboundCallJob.self)
        catalogue.register(TranscribeCallJob.self)
        catalogue.register(AnalyzeCallJob.self)
        catalogue.register(ConfigureNumberJob.self)
        catalogue.register(PurchaseNumberJob.self)
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
}
