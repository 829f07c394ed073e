import QueueEngine

/// A job that only proves the pipeline works: it waits `sleepMS`, optionally fails its first
/// `failAttempts` attempts, and succeeds with the attempt number. Operators enqueue it to check a
/// deployment end to end (enqueue → wake-up → claim → run → ack); the crash tests run it in real
/// worker processes.
public struct CanaryJob: JobKind {
    public struct Args: Codable, Sendable {
        public var sleepMS: Int?
        public var failAttempts: Int?

        public init(sleepMS: Int? = nil, failAttempts: Int? = nil) {
            self.sleepMS = sleepMS
            self.failAttempts = failAttempts
        }
    }

    struct Result: Codable {
        let attempt: Int
    }

    public static let name = "platform.canary"
    public static var defaults: JobDefaults { JobDefaults(queue: "default", maxAttempts: 5, timeout: .seconds(60)) }

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
