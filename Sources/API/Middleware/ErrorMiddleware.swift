import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import QueueEngine

/// Turns every error a route or the router throws into the API's one JSON error shape. Errors that
/// are not the caller's fault are logged in full and answered with an opaque 500: no SQL, no stack.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error, logger: context.logger)
            return try apiError.response(from: request, context: context)
        }
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as QueueError:
            switch error.code {
            case .jobNotFound: return .notFound("job")
            case .invalidState: return APIError(.conflict, .invalidState, error.message)
            case .uniqueConflict: return APIError(.conflict, .conflict, error.message)
            case .unknownKind: return APIError(.unprocessableContent, .unknownKind, error.message)
            case .invalidArguments, .invalidJob: return APIError(.unprocessableContent, .validationFailed, error.message)
            default: break
            }
        case let error as JobRegistry.UndecodableArguments:
            return .validation(field: "args", "does not fit \(error.kind): \(error.detail)")
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, .payloadTooLarge, "the body is larger than this route accepts")
        case let error as HTTPError:
            return fromHTTPError(error)
        case let error as DecodingError:
            return RequestBody.describe(error)
        case is ReplyTimeout, is ConnectionLost:
            return databaseUnavailable(error, logger: logger)
        case let error as PSQLError where unavailableCodes.contains(error.code)
            || (error.code == .server && error.serverInfo?[.sqlState].map { $0.hasPrefix("57P") || $0.hasPrefix("08") } == true):
            return databaseUnavailable(error, logger: logger)
        default:
            break
        }
        logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
        return APIError(.internalServerError, .internalError, "internal error; quote the request id when reporting it")
    }

    /// Connection failures, not faults of the request: the database restarts, fails over or is
    /// unreachable.
    static let unavailableCodes: Set<PSQLError.Code> = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown,
    ]
    /// Of those, the ones that happen before a statement is sent: nothing was changed.
    static let unsentCodes: Set<PSQLError.Code> = [.connectionError, .poolClosed]

    /// A 503. When the statement never left, `Retry-After` invites a plain retry; when the
    /// connection was lost after it was sent, the change may have been made, and the answer says so
    /// (a retry with the same `Idempotency-Key` is safe).
    static func databaseUnavailable(_ error: any Error, logger: Logger) -> APIError {
        logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
        if let error = error as? PSQLError, unsentCodes.contains(error.code) {
            var answer = APIError(.serviceUnavailable, .unavailable,
                                  "the database is unavailable; nothing was changed; retry after the Retry-After seconds")
            answer.headers[.retryAfter] = "1"
            return answer
        }
        return APIError(.serviceUnavailable, .unavailable,
                        "the database connection was lost; the request may or may not have taken effect "
                        + "(repeat it with the same Idempotency-Key to be sure)")
    }

    /// Hummingbird's own errors: unknown route, wrong method, body too large.
    static func fromHTTPError(_ error: HTTPError) -> APIError {
        let code: APIError.Code = switch error.status {
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .contentTooLarge: .payloadTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        default: error.status.code < 500 ? .badRequest : .internalError
        }
        let message = error.body ?? error.status.reasonPhrase
        return APIError(error.status, code, message.isEmpty ? code.rawValue : message)
    }
}
