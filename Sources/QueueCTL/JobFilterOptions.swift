import Foundation
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

    /// No filter option with any text: blanks do not count, so `--search ""` never means every job.
    var isEmpty: Bool { [queue, state, kind, workspace, search].allSatisfy { Self.given($0) == nil } }

    static func given(_ text: String?) -> String? {
        text.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func filter() throws -> JobFilter {
        var jobState: JobState?
        if let state = Self.given(state) {
            guard let parsed = JobState(rawValue: state) else {
                throw ValidationError("--state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            jobState = parsed
        }
        return JobFilter(queue: Self.given(queue), state: jobState, kind: Self.given(kind), workspaceID: Self.given(workspace),
                         search: Self.given(search))
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
