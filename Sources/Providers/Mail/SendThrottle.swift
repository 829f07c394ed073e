/// Paces sends across every worker: a reservation of `permits` sends at `rate` per second under a
/// key answers how long the caller waits before sending them.
public protocol SendThrottle: Sendable {
    func reserve(_ key: String, permits: Int, rate: Double) async throws -> Duration
}

extension SendThrottle {
    /// Reserves and waits. When the reservation itself fails (the database is away), waits as long
    /// as the sends cost on their own, which keeps one worker under the rate at least.
    public func pace(_ key: String, permits: Int, rate: Double) async throws {
        let wait: Duration
        do {
            wait = try await reserve(key, permits: permits, rate: rate)
        } catch {
            wait = .seconds(Double(permits) / rate)
        }
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
