/// Whether Redis answers right now, for health checks. Blocking: call it from a thread pool, never
/// from an event loop or the cooperative pool.
public enum RedisProbe {
    public static func ping(_ configuration: RedisConfiguration, timeout: Duration = .milliseconds(500)) -> Bool {
        guard let connection = try? RedisConnection(configuration: configuration, connectTimeout: timeout, readTimeout: timeout),
              let reply = try? connection.command(["PING"])
        else { return false }
        if case .status(let text) = reply { return text == "PONG" }
        return false
    }
}
