import Foundation
import ServerSupport

/// Where Redis is, from `REDIS_URL` (`redis://[:password@]host[:port]`); `none` turns wake-ups off
/// and workers only poll.
public struct RedisConfiguration: Sendable, Equatable {
    public static let defaultURL = "redis://127.0.0.1:63799"

    public var host: String
    public var port: Int
    public var password: String?

    public init(host: String, port: Int, password: String? = nil) {
        self.host = host
        self.port = port
        self.password = password
    }

    /// Nil when `REDIS_URL` is `none`.
    public static func from(_ environment: Environment) throws -> RedisConfiguration? {
        let text = environment.string("REDIS_URL", default: defaultURL)
        if text == "none" { return nil }
        guard let url = URLComponents(string: text), url.scheme == "redis", let host = url.host, !host.isEmpty else {
            throw ConfigurationError("REDIS_URL", "expected redis://[:password@]host[:port] or none")
        }
        return RedisConfiguration(host: host, port: url.port ?? 6379, password: url.password)
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
