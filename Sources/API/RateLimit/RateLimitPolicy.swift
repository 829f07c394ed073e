import QueueEngine
import ServerSupport

/// Which rule applies to which requests, and whose allowance a request spends: the one place that
/// groups routes for rate limiting.
struct RateLimitPolicy: Sendable {
    static let defaultAuth = "sliding:20/60s"
    static let defaultLogin = "fixed:10/900s"
    static let defaultRead = "fixed:600/60s"
    static let defaultWrite = "bucket:200@50/s"

    /// `/auth/*` per client IP.
    var auth: RateLimitRule
    /// Sign-in and password-reset attempts per account (on top of the per-IP limit).
    var login: RateLimitRule
    /// `GET` under `/api` per caller (API key, else user, else IP).
    var read: RateLimitRule
    /// Every other method under `/api` per caller.
    var write: RateLimitRule
    /// Prefix of the limiter's Redis keys (deployments sharing one Redis keep apart by it).
    var keyPrefix: String

    init(environment: Environment) throws {
        auth = try RateLimitRule(parsing: environment.string("RATE_LIMIT_AUTH", default: Self.defaultAuth), variable: "RATE_LIMIT_AUTH")
        login = try RateLimitRule(parsing: environment.string("RATE_LIMIT_LOGIN", default: Self.defaultLogin), variable: "RATE_LIMIT_LOGIN")
        read = try RateLimitRule(parsing: environment.string("RATE_LIMIT_READ", default: Self.defaultRead), variable: "RATE_LIMIT_READ")
        write = try RateLimitRule(parsing: environment.string("RATE_LIMIT_WRITE", default: Self.defaultWrite), variable: "RATE_LIMIT_WRITE")
        keyPrefix = environment.string("RATE_LIMIT_KEY_PREFIX", default: "ratelimit:")
    }

    /// The rule and the allowance key for a request; nil for routes without a limit (health).
    func rule(path: String, isRead: Bool, caller: Caller?, ip: String?) -> (rule: RateLimitRule, key: String)? {
        // The router ignores a trailing slash, so the rules do too (other spellings never get here).
        let path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if path.hasPrefix("/auth/") || path == "/dashboard/login" {
            return (auth, "auth:ip:\(ip ?? "unknown")")
        }
        guard path.hasPrefix("/api/") || path == "/api" || path.hasPrefix("/dashboard") else { return nil }
        let who: String = switch caller {
        case .apiKey(let key, _): "key:\(key.id.idString)"
        case .user(let id): "user:\(id.idString)"
        case nil: "ip:\(ip ?? "unknown")"
        }
        return isRead ? (read, "read:\(who)") : (write, "write:\(who)")
    }
}
