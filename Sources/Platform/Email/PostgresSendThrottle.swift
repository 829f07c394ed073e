import Logging
import PostgresNIO
import Providers

/// The reservation in one statement on `mail_send_slots` (the row lock orders concurrent callers):
/// the caller's start is the later of the key's next free time and now, and its sends move the next
/// free time on by `permits / rate`.
public struct PostgresSendThrottle: SendThrottle {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger = Logger(label: "mail.throttle")) {
        self.client = client
        self.logger = logger
    }

    public func reserve(_ key: String, permits: Int, rate: Double) async throws -> Duration {
        guard rate > 0, permits > 0 else { return .zero }
        let cost = Double(permits) / rate
        let rows = try await client.query("""
            INSERT INTO mail_send_slots AS slot (key, next_free) VALUES (\(key), clock_timestamp() + make_interval(secs => \(cost)))
            ON CONFLICT (key) DO UPDATE SET next_free = greatest(slot.next_free, clock_timestamp()) + make_interval(secs => \(cost))
            RETURNING extract(epoch FROM slot.next_free - clock_timestamp())::float8 - \(cost)
            """, logger: logger)
        for try await wait in rows.decode(Double.self) { return .milliseconds(Int64(max(0, wait) * 1_000)) }
        return .zero
    }
}
