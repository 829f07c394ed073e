import Foundation
import HTTPTypes
import Hummingbird

/// The one error shape of the API: `{"error": {"code", "message", "details"}}` with a stable code.
/// Routes throw these; `ErrorMiddleware` turns every other error into one of them.
struct APIError: Error, Sendable {
    struct Code: RawRepresentable, Hashable, Sendable {
        let rawValue: String

        static let badRequest = Code(rawValue: "bad_request")
        static let invalidJSON = Code(rawValue: "invalid_json")
        static let validationFailed = Code(rawValue: "validation_failed")
        static let unauthorized = Code(rawValue: "unauthorized")
        static let invalidCredentials = Code(rawValue: "invalid_credentials")
        static let invalidToken = Code(rawValue: "invalid_token")
        static let refreshTokenReused = Code(rawValue: "refresh_token_reused")
        static let forbidden = Code(rawValue: "forbidden")
        static let notFound = Code(rawValue: "not_found")
        static let conflict = Code(rawValue: "conflict")
        static let emailTaken = Code(rawValue: "email_taken")
        static let lastOwner = Code(rawValue: "last_owner")
        static let workspaceRequired = Code(rawValue: "workspace_required")
        static let unknownKind = Code(rawValue: "unknown_kind")
        static let invalidState = Code(rawValue: "invalid_state")
        static let payloadTooLarge = Code(rawValue: "payload_too_large")
        static let unsupportedMediaType = Code(rawValue: "unsupported_media_type")
        static let methodNotAllowed = Code(rawValue: "method_not_allowed")
        static let rateLimited = Code(rawValue: "rate_limited")
        static let unavailable = Code(rawValue: "unavailable")
        static let internalError = Code(rawValue: "internal_error")
    }

    let status: HTTPResponse.Status
    let code: Code
    let message: String
    /// Per-field problems for validation errors, e.g. `["field": "password", "problem": "too short"]`.
    var details: [String: String]
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: Code, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    static func validation(field: String, _ problem: String) -> APIError {
        APIError(.unprocessableContent, .validationFailed, "\(field): \(problem)", details: ["field": field, "problem": problem])
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, .notFound, "\(what) not found")
    }

    static let unauthorized = APIError(.unauthorized, .unauthorized, "authentication required")
    static let forbidden = APIError(.forbidden, .forbidden, "your role or key does not allow this")
}

extension APIError: HTTPResponseError {
    struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
            let details: [String: String]
            let requestID: String?
        }
        let error: Inner
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestID = (context as? APIRequestContext)?.requestID
        let body = Body(error: .init(code: code.rawValue, message: message, details: details, requestID: requestID))
        let data = try JSONEncoder.api.encode(body)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
