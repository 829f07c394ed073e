import HTTPTypes
import Hummingbird

/// Headers every answer carries: no content sniffing, no framing (the docs and the dashboard are
/// the pages worth framing for clickjacking; no answer of this API needs to be framed), and no
/// caching of what `/auth` and `/api` answer, since tokens, new keys and workspace data must not
/// stay in a shared or browser cache. A route that sets its own caching keeps it.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.contentTypeOptions] = "nosniff"
        if response.headers[Self.frameOptions] == nil { response.headers[Self.frameOptions] = "DENY" }
        if let policy = response.headers[Self.contentSecurityPolicy] {
            if !policy.contains("frame-ancestors") { response.headers[Self.contentSecurityPolicy] = policy + "; frame-ancestors 'none'" }
        } else {
            response.headers[Self.contentSecurityPolicy] = "frame-ancestors 'none'"
        }
        let path = request.uri.path
        if response.headers[.cacheControl] == nil, path.hasPrefix("/auth/") || path.hasPrefix("/api/") || path.hasPrefix("/dashboard") {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
