import Platform
import QueueEngine

/// Runs `CanaryJob` (its arguments and defaults are defined in Platform, for producers).
public struct CanaryHandler: JobHandler {
    public typealias Definition = CanaryJob
    public typealias Args = CanaryJob.Args

    struct Result: Codable {
        let attempt: Int
    }

    public init() {}

    public func run(_ args: Args, context: JobContext) async throws -> JobOutcome {
        if let sleep = args.sleepMS, sleep > 0 {
            try await Task.sleep(for: .milliseconds(min(sleep, 60_000)))
        }
        if context.attempt <= (args.failAttempts ?? 0) {
            throw CanaryFailure(attempt: context.attempt)
        }
        return try .success(Result(attempt: context.attempt))
    }

    struct CanaryFailure: Error, CustomStringConvertible {
        let attempt: Int
        var description: String { "canary failed attempt \(attempt) as asked" }
    }
}
