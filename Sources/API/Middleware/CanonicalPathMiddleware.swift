import Hummingbird

/// One spelling per route: the router treats `//auth/login` and `/auth/./login` as `/auth/login`,
/// but rate limits and other path rules compare the text, so a request whose path has empty or dot
/// segments is redirected (308, method and body kept) to the canonical spelling, where every rule
/// applies to it. A single trailing slash is kept (clients send it; the path rules ignore it).
struct CanonicalPathMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let canonical = Self.canonical(path), canonical != path else { return try await next(request, context) }
        let query = request.uri.query.map { "?\($0)" } ?? ""
        return Response(status: .permanentRedirect, headers: [.location: canonical + query])
    }

    /// The path without empty, `.` and `..` segments (a trailing slash kept); nil when it does not
    /// start with `/` (nothing to redirect to).
    static func canonical(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let joined = "/" + segments.joined(separator: "/")
        return path.hasSuffix("/") && !segments.isEmpty ? joined + "/" : joined
    }
}
