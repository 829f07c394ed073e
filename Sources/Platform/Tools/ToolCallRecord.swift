import Foundation
import ServerSupport

/// What one call of a tool did: the outcome class, the HTTP status, how long it took, how many
/// bytes came back, and what the assistant gets (`response`) or why it gets nothing (`error`).
public struct ToolCallRecord: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// A 2xx answer.
        case ok
        /// Any other status.
        case httpError = "http_error"
        case invalidArguments = "invalid_arguments"
        /// The URL (or a redirect) points where the outbound policy does not let requests go.
        case refused
        case timeout
        case networkError = "network_error"
        /// The OAuth token endpoint did not give a token, or the credentials cannot be opened.
        case authError = "auth_error"
    }

    public var outcome: Outcome
    public var status: Int?
    public var latencyMS: Int?
    public var bytes: Int?
    public var truncated = false
    public var response: JSONValue?
    public var error: String?
    /// Argument problems, each at its JSON pointer.
    public var violations: [JSONSchema.Violation] = []

    public init(outcome: Outcome, status: Int? = nil, latencyMS: Int? = nil, bytes: Int? = nil, response: JSONValue? = nil, error: String? = nil) {
        self.outcome = outcome
        self.status = status
        self.latencyMS = latencyMS
        self.bytes = bytes
        self.response = response
        self.error = error
    }

    /// Worth another attempt: the endpoint may answer later (timeouts, network errors, 408, 429, 5xx).
    public var isTransient: Bool {
        switch outcome {
        case .timeout, .networkError: true
        case .httpError, .authError: status.map { $0 == 408 || $0 == 429 || $0 >= 500 } ?? (outcome == .authError)
        default: false
        }
    }

    /// The JSON a job stores as its result and the test route answers.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["ok": .bool(outcome == .ok), "outcome": .string(outcome.rawValue), "truncated": .bool(truncated)]
        if let status { object["status"] = .number(Double(status)) }
        if let latencyMS { object["latency_ms"] = .number(Double(latencyMS)) }
        if let bytes { object["bytes"] = .number(Double(bytes)) }
        if let response { object["response"] = response }
        if let error { object["error"] = .string(error) }
        if !violations.isEmpty {
            object["violations"] = .array(violations.map { .object(["path": .string($0.path.isEmpty ? "/" : $0.path),
                                                                    "problem": .string($0.problem)]) })
        }
        return .object(object)
    }
}
