/// The log metadata keys of the platform, named once.
public enum LogKey {
    public static let jobID = "job.id"
    public static let jobKind = "job.kind"
    public static let queue = "queue"
    public static let workerID = "worker.id"
    public static let workspaceID = "workspace.id"
    public static let cronEntry = "cron.entry"
    public static let cronTick = "cron.tick"
    public static let traceID = "trace.id"
    public static let spanID = "span.id"
}
