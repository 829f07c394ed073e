import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}

/// Sets the request's client address once, before anything limits or audits by it: the socket
/// peer, or whom a trusted proxy says it forwards for (`TRUSTED_PROXIES`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !proxies.networks.isEmpty else { return try await next(request, context) }
        var context = context
        context.remoteIP = proxies.clientAddress(peer: context.peerIP, forwardedFor: request.headers[values: .forwardedFor])
        return try await next(request, context)
    }
}
