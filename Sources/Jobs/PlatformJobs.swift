import QueueEngine

/// The job kinds of this platform, registered for the worker process. Each job-kind issue adds its
/// handlers here (outbound calls, text extraction, transcription, email, credits, reports, GDPR).
public enum PlatformJobs {
    public static func registry() -> JobRegistry {
        var registry = JobRegistry()
        registry.register(CanaryJob())
        return registry
    }
}
