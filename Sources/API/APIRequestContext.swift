import Foundation
import Hummingbird
import Logging
import NIOCore

/// Per-request state: who is calling (set by `AuthenticationMiddleware`) and from where.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authenticated caller; nil for anonymous requests.
    var caller: Caller?
    /// Set by `RequestIDMiddleware`; echoed in responses and error bodies.
    var requestID: String?
    /// The client's address, for audit rows and per-IP limits: the socket peer, or whom a trusted
    /// proxy forwards for (set by `ClientAddressMiddleware`).
    var remoteIP: String?
    /// The socket peer's address.
    let peerIP: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerIP = source.channel.remoteAddress?.ipAddress
        remoteIP = peerIP
    }

    /// Responses in snake_case with ISO 8601 times (`JSONEncoder.api`).
    var responseEncoder: JSONEncoder { .api }

    /// Request bodies above this size are refused with 413 before they are decoded.
    var maxUploadSize: Int { APIConfiguration.defaultMaxJSONBody }

    /// The caller, or 401 for anonymous requests.
    func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorized }
        return caller
    }

    /// The signed-in user's id, or 403 for an API key, with `reason` saying what keys cannot do.
    func requireUser(_ reason: String) throws -> UUID {
        guard let userID = try requireCaller().userID else { throw APIError(.forbidden, .forbidden, reason) }
        return userID
    }
}
