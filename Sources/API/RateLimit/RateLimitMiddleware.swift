import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
}

/// Spends the caller's allowance for the route group (after authentication, so keys and users are
/// limited by who they are, not by the address they come from). Answers carry `X-RateLimit-Limit`,
/// `-Remaining` and `-Reset` (seconds); refusals are 429 with `Retry-After`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limiter: RateLimiter
    let policy: RateLimitPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isRead = request.method == .get || request.method == .head
        guard let (rule, key) = policy.rule(path: request.uri.path, isRead: isRead, caller: context.caller, ip: context.remoteIP),
              rule != .off
        else { return try await next(request, context) }
        let decision = await limiter.check(rule, key: key)
        guard decision.allowed else { throw Self.refusal(decision, "too many requests; retry after the Retry-After seconds") }
        var response = try await next(request, context)
        for field in Self.headers(decision) { response.headers[field.name] = field.value }
        return response
    }

    /// The 429 for a refused decision, with the allowance headers and `Retry-After`.
    static func refusal(_ decision: RateLimitDecision, _ message: String) -> APIError {
        var error = APIError(.tooManyRequests, .rateLimited, message)
        error.headers = headers(decision)
        error.headers[.retryAfter] = String(wholeSeconds(decision.retryAfter))
        return error
    }

    static func headers(_ decision: RateLimitDecision) -> HTTPFields {
        [.rateLimitLimit: String(decision.limit), .rateLimitRemaining: String(decision.remaining),
         .rateLimitReset: String(wholeSeconds(decision.resetAfter))]
    }

    /// Seconds rounded up, at least 1 when anything is left to wait.
    static func wholeSeconds(_ duration: Duration) -> Int {
        let milliseconds = duration.milliseconds
        return milliseconds <= 0 ? 0 : (milliseconds + 999) / 1000
    }
}
