import ServerSupport

/// How hard one provider may be driven: sends per second across every worker (nil: as fast as it
/// takes them) and requests in flight at once in one process.
public struct MailProviderLimits: Sendable {
    public var ratePerSecond: Double?
    public var concurrency: Int

    public init(ratePerSecond: Double? = nil, concurrency: Int = 8) {
        self.ratePerSecond = ratePerSecond
        self.concurrency = concurrency
    }

    /// From `<PREFIX>_RATE_PER_SECOND` (0 or unset: no limit) and `<PREFIX>_CONCURRENCY` (default 8),
    /// e.g. `SES_RATE_PER_SECOND=14`.
    public static func from(_ environment: Environment, prefix: String) throws -> MailProviderLimits {
        let rate = try environment.int("\(prefix)_RATE_PER_SECOND", default: 0, range: 0...1_000_000)
        return MailProviderLimits(ratePerSecond: rate > 0 ? Double(rate) : nil,
                                  concurrency: try environment.int("\(prefix)_CONCURRENCY", default: 8, range: 1...1_000))
    }
}

/// A counting semaphore: at most `limit` holders at once, the others wait in order.
actor ConcurrencyGate {
    private let limit: Int
    private var holders = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func withPermit<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if holders < limit {
            holders += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { release() }
        return await body()
    }

    private func release() {
        if waiting.isEmpty {
            holders -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
