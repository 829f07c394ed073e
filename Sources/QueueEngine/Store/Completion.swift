/// The recorded end of one attempt, written by the completion batcher in batches.
public struct Completion: Sendable {
    public enum Result: Sendable, Equatable {
        case completed(resultJSON: String?)
        /// Failed; runs again after `delay`. `error` is kept in the job's error list.
        case retry(delay: Duration, error: String)
        /// Runs again after `delay` without spending an attempt.
        case snooze(delay: Duration)
        /// No further attempts.
        case discarded(error: String)
        case cancelled(reason: String)
        /// Handed back unfinished (worker shutdown): available at once, attempt refunded.
        case released
    }

    public let jobID: Int64
    public let leaseToken: Int32
    public let result: Result
    /// A completed job's row is deleted (and counted) rather than kept: its kind's `deleteWhenCompleted`.
    public let deletesRow: Bool

    /// The longest wait a retry or snooze is given; PostgreSQL's interval arithmetic refuses far
    /// larger ones, and one refused ending would fail its whole ack batch.
    public static let maximumDelay: Duration = .seconds(100 * 366 * 86_400)

    /// `result` as PostgreSQL can store it: texts without NUL characters (text and jsonb cannot
    /// hold U+0000) and delays from zero to `maximumDelay`. Handlers report what providers and
    /// tools answered, so their texts are data from outside.
    public init(jobID: Int64, leaseToken: Int32, result: Result, deleteIfCompleted: Bool = false) {
        self.jobID = jobID
        self.leaseToken = leaseToken
        if case .completed = result { deletesRow = deleteIfCompleted } else { deletesRow = false }
        self.result = switch result {
        case .completed(let json): .completed(resultJSON: json.map(Self.storableJSON))
        case .retry(let delay, let error): .retry(delay: Self.storable(delay), error: Self.storable(error))
        case .snooze(let delay): .snooze(delay: Self.storable(delay))
        case .discarded(let error): .discarded(error: Self.storable(error))
        case .cancelled(let reason): .cancelled(reason: Self.storable(reason))
        case .released: .released
        }
    }

    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "") : text
    }

    static func storable(_ delay: Duration) -> Duration {
        min(max(delay, .zero), maximumDelay)
    }

    /// JSON text without NUL: raw ones dropped, `\u0000` escapes (not escaped backslashes followed
    /// by `u0000`) turned into U+FFFD.
    static func storableJSON(_ json: String) -> String {
        let text = storable(json)
        guard text.contains("\\u0000") else { return text }
        return text.replacingOccurrences(of: #"(?<!\\)((?:\\\\)*)\\u0000"#, with: "$1\\\\ufffd", options: .regularExpression)
    }
}
