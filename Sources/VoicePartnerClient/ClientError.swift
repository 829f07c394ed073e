import Foundation

/// What a call of the client can fail with.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// The API answered with its error shape: the HTTP status, the stable `code`, the message, the
    /// field a validation error names, and the request id to quote when asking about it.
    case api(status: Int, code: String, message: String, field: String?, requestID: String?)
    /// The API could not be reached or answered something that is not its JSON.
    case transport(String)
    /// A waited-for job ended discarded or cancelled; its last error.
    case jobFailed(id: Int64, state: String, lastError: String?)
    /// A waited-for job was not finished in time.
    case timedOut(id: Int64, state: String)

    public var description: String {
        switch self {
        case let .api(status, code, message, _, requestID): "\(status) \(code): \(message)\(requestID.map { " (request \($0))" } ?? "")"
        case let .transport(detail): "transport: \(detail)"
        case let .jobFailed(id, state, error): "job \(id) ended \(state)\(error.map { ": \($0)" } ?? "")"
        case let .timedOut(id, state): "job \(id) is still \(state)"
        }
    }

    /// The API's error code, when the API answered with one.
    public var code: String? {
        if case .api(_, let code, _, _, _) = self { return code }
        return nil
    }
}

/// `{"error": {"code", "message", "details", "request_id"}}`.
struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
        let details: [String: String]?
        let requestID: String?

        enum CodingKeys: String, CodingKey { case code, message, details, requestID = "request_id" }
    }

    let error: Detail
}
