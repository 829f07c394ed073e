import Foundation
import ServerSupport

/// Where Redis is, from `REDIS_URL` (`redis://[[user]:password@]host[:port]`, the user an ACL user;
/// `none` turns wake-ups off and workers only poll). `rediss://` is refused: the hiredis this
/// builds against (0.14) has no TLS, and a URL that asked for it must not silently go without.
public struct RedisConfiguration: Sendable, Equatable {
    public static let defaultURL = "redis://127.0.0.1:63799"

    public var host: String
    public var port: Int
    /// An ACL user (`AUTH user password`); nil is Redis's `default` user.
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Nil when `REDIS_URL` is `none`.
    public static func from(_ environment: Environment) throws -> RedisConfiguration? {
        let text = environment.string("REDIS_URL", default: defaultURL)
        if text == "none" { return nil }
        if text.hasPrefix("rediss://") {
            throw ConfigurationError("REDIS_URL", "rediss:// (TLS) is not supported by this build's hiredis; reach Redis over a private network "
                                                  + "or a TLS tunnel (stunnel) with redis://")
        }
        guard let url = URLComponents(string: text), url.scheme == "redis", let host = url.host, !host.isEmpty else {
            throw ConfigurationError("REDIS_URL", "expected redis://[[user]:password@]host[:port] or none")
        }
        let user = url.user.flatMap { $0.isEmpty ? nil : $0 }
        guard user == nil || url.password != nil else { throw ConfigurationError("REDIS_URL", "an ACL user needs its password (user:password@)") }
        return RedisConfiguration(host: host, port: url.port ?? 6379, username: user, password: url.password)
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
