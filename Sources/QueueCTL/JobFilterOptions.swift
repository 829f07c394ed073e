import ArgumentParser
import QueueEngine

/// Which jobs `list` shows and a bulk `cancel` or `retry` changes: across every workspace and queue
/// unless named. The same filter as the API's job browser (`JobFilter`).
struct JobFilterOptions: ParsableArguments {
    @Option var queue: String?
    @Option(help: "available, running, completed, discarded or cancelled.") var state: String?
    @Option var kind: String?
    @Option var workspace: String?
    @Option(help: "A job id, or text in the kind or the arguments (any case).") var search: String?

    var isEmpty: Bool { queue == nil && state == nil && kind == nil && workspace == nil && search == nil }

    func filter() throws -> JobFilter {
        var jobState: JobState?
        if let state {
            guard let parsed = JobState(rawValue: state) else {
                throw ValidationError("--state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            jobState = parsed
        }
        return JobFilter(queue: queue, state: jobState, kind: kind, workspaceID: workspace, search: search)
    }
}

/// What a bulk `cancel` or `retry` changed; `more` means matching jobs are left past the limit.
struct BulkAnswer: Encodable {
    let count: Int
    let running: Int
    let more: Bool

    init(_ outcome: BulkOutcome) {
        count = outcome.count
        running = outcome.running.count
        more = outcome.more
    }
}
