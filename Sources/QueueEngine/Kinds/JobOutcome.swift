import Foundation

/// How an attempt ended when it did not throw.
public enum JobOutcome: Sendable, Equatable {
    /// Done; `resultJSON` (a JSON document) is stored on the job.
    case success(resultJSON: String?)
    /// Run again after the delay without spending an attempt (e.g. a rate limit said "later").
    case snooze(Duration)
    /// Permanent failure (e.g. a provider's 4xx): no further attempts.
    case discard(reason: String)

    public static let success = JobOutcome.success(resultJSON: nil)

    /// Success with an encodable result stored as JSON.
    public static func success<T: Encodable>(_ value: T) throws -> JobOutcome {
        let data = try JSONEncoder().encode(value)
        return .success(resultJSON: String(decoding: data, as: UTF8.self))
    }
}
