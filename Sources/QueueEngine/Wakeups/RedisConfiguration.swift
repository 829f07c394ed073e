import Foundation
import ServerSupport

/// Where Redis is, from `REDIS_URL`: `redis://[[user]:password@]host[:port]`, or `rediss://` for TLS
/// (the user an ACL user; `none` turns wake-ups off and workers only poll). TLS settings are query
/// parameters named as redis-py names them (`RedisConfiguration.TLS`).
public struct RedisConfiguration: Sendable, Hashable {
    public static let defaultURL = "redis://127.0.0.1:63799"

    public var host: String
    public var port: Int
    /// An ACL user (`AUTH user password`); nil is Redis's `default` user.
    public var username: String?
    public var password: String?
    /// Nil: plain TCP.
    public var tls: TLS?

    public init(host: String, port: Int, username: String? = nil, password: String? = nil, tls: TLS? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// Nil when `REDIS_URL` is `none`.
    public static func from(_ environment: Environment) throws -> RedisConfiguration? {
        let text = environment.string("REDIS_URL", default: defaultURL)
        if text == "none" { return nil }
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["redis", "rediss"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError("REDIS_URL", "expected redis://[[user]:password@]host[:port], rediss://… for TLS, or none")
        }
        let user = url.user.flatMap { $0.isEmpty ? nil : $0 }
        guard user == nil || url.password != nil else { throw ConfigurationError("REDIS_URL", "an ACL user needs its password (user:password@)") }
        let query = url.queryItems ?? []
        let tls = scheme == "rediss" ? try TLS(query: query) : nil
        if tls == nil, let parameter = query.first {
            throw ConfigurationError("REDIS_URL", "\(parameter.name): query parameters are TLS settings and need rediss://")
        }
        return RedisConfiguration(host: host, port: url.port ?? 6379, username: user, password: url.password, tls: tls)
    }
}

/// The pub/sub channels of the engine. Messages only wake workers; they never carry a job.
public enum WakeupChannel {
    /// Payload: a queue name that has new available jobs.
    public static let wake = "vpai:queue:wake"
    /// Payload: the id of a job whose cancel was requested.
    public static let cancel = "vpai:queue:cancel"
    /// The longest wait between reconnect attempts of the publisher and the subscribers: both are
    /// back within about this long after Redis returns, so the first enqueues after an outage wake
    /// workers as promptly as the ones before it. A refused connect costs next to nothing.
    public static let maximumReconnectDelay: Duration = .milliseconds(200)
}
