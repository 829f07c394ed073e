import ArgumentParser
import Platform
import QueueEngine

/// The platform's job kinds with their defaults: what `enqueue` accepts and where each kind runs.
struct Kinds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the job kinds with their queue, priority, attempts and timeout.")
    @OptionGroup var common: CommonOptions

    struct Kind: Encodable {
        let kind: String
        let queue: String
        let priority: Int16
        let maxAttempts: Int
        let timeoutSeconds: Int64

        enum CodingKeys: String, CodingKey {
            case kind, queue, priority
            case maxAttempts = "max_attempts", timeoutSeconds = "timeout_seconds"
        }
    }

    func run() throws {
        let catalogue = PlatformJobs.catalogue
        let kinds = catalogue.kinds.compactMap { name in
            catalogue.defaults(for: name).map {
                Kind(kind: name, queue: $0.queue, priority: $0.priority, maxAttempts: $0.maxAttempts, timeoutSeconds: $0.timeout.components.seconds)
            }
        }
        if common.json { return try printJSON(kinds) }
        print("kind\tqueue\tpriority\tmax_attempts\ttimeout_s")
        for kind in kinds { print("\(kind.kind)\t\(kind.queue)\t\(kind.priority)\t\(kind.maxAttempts)\t\(kind.timeoutSeconds)") }
    }
}
