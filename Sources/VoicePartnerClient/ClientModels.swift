import Foundation

/// A job as the API shows it; `Result` is the type of the job kind's result (use `EmptyResult`
/// when it has none).
public struct Job<Result: Decodable & Sendable>: Decodable, Sendable {
    public struct Failure: Decodable, Sendable {
        public let attempt: Int
        public let error: String
    }

    public let id: Int64
    public let kind: String
    public let queue: String
    public let state: String
    public let attempt: Int
    public let maxAttempts: Int
    public let result: Result?
    public let errors: [Failure]
    public let progress: Int?
    public let progressMessage: String?
    public let tags: [String]
    /// The W3C trace id of the request that enqueued the job, to find its work in traces and logs.
    public let traceID: String?

    public var isFinished: Bool { ["completed", "discarded", "cancelled"].contains(state) }

    enum CodingKeys: String, CodingKey {
        case id, kind, queue, state, attempt, result, errors, progress, tags
        case maxAttempts = "max_attempts", progressMessage = "progress_message", traceID = "trace_id"
    }
}

/// For jobs whose result is not needed.
public struct EmptyResult: Decodable, Sendable {}

/// The answer to an enqueue: the job's id, and whether an earlier job with the same idempotency key
/// was returned instead of a new one.
public struct EnqueuedJob: Decodable, Sendable {
    public let id: Int64
    public let duplicate: Bool

    enum CodingKeys: String, CodingKey { case id, jobID = "job_id", duplicate }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id) ?? container.decode(Int64.self, forKey: .jobID)
        duplicate = try container.decodeIfPresent(Bool.self, forKey: .duplicate) ?? false
    }
}

/// One page of a list, newest first; pass `nextCursor` back for the next page.
public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
}

public struct Call: Decodable, Sendable {
    public let id: UUID
    public let status: String
    public let direction: String
    public let jobID: Int64?
    public let statusReason: String?

    enum CodingKeys: String, CodingKey { case id, status, direction, jobID = "job_id", statusReason = "status_reason" }
}

public struct CreditBalance: Decodable, Sendable {
    public let balance: Double
    public let allowance: Double
}

/// What a tool's call gave an assistant (the test route's answer and a `tools.invoke` job's result).
public struct ToolCallResult<Response: Decodable & Sendable>: Decodable, Sendable {
    public let ok: Bool
    public let outcome: String
    public let status: Int?
    public let latencyMS: Int?
    public let response: Response?
    public let error: String?

    enum CodingKeys: String, CodingKey { case ok, outcome, status, response, error, latencyMS = "latency_ms" }
}
