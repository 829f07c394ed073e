import Foundation
import HTTPTypes
import Hummingbird
import QueueEngine
import ServerSupport

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
    static let apiKey = HTTPField.Name("X-API-Key")!
    static let workspaceID = HTTPField.Name("X-Workspace-ID")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

/// Gives every request an id (the caller's `X-Request-ID` when it is short and printable, else a new
/// one), puts it in the log metadata of everything logged while the request is served (through
/// `LogContext`, whichever logger writes) and echoes it on the response, errors included.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let supplied = request.headers[.requestID].flatMap(Self.acceptable)
        let id = supplied ?? UUID.random().idString
        var context = context
        context.requestID = id
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await LogContext.$requestID.withValue(id) { try await next(request, context) }
        response.headers[.requestID] = id
        return response
    }

    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        return value
    }
}
