/// Sends through an ordered list of providers. A provider that fails for a reason of its own
/// (transient, or unavailable for this message) cools down for a while and its recipients go to
/// the next one; a rejected address is final, since another provider would not deliver it either.
/// When every provider is cooling down, the send fails transiently and the job retries. Each
/// provider is held to its `MailProviderLimits`: the rate through the shared `throttle`, the
/// concurrency per process.
public struct FailoverMailer: Sendable {
    public let providers: [any MailProvider]
    public let cooldown: Duration
    public let limits: [String: MailProviderLimits]
    /// Paces providers with a rate limit; without one (a process with no database), rates are
    /// kept per process.
    public private(set) var throttle: (any SendThrottle)?
    private let cooling: Cooldowns
    private let gates: [String: ConcurrencyGate]

    public init(providers: [any MailProvider], cooldown: Duration = .seconds(60), limits: [String: MailProviderLimits] = [:],
                throttle: (any SendThrottle)? = nil) {
        self.providers = providers
        self.cooldown = cooldown
        self.limits = limits
        self.throttle = throttle
        cooling = Cooldowns()
        gates = Dictionary(providers.map { ($0.name, ConcurrencyGate(limit: limits[$0.name]?.concurrency ?? 8)) }) { first, _ in first }
    }

    /// The same providers, cool-downs and gates, paced by `throttle`.
    public func throttled(by throttle: any SendThrottle) -> FailoverMailer {
        var copy = self
        copy.throttle = throttle
        return copy
    }

    /// How many recipients a batch should hold now: the batch limit of the provider that would
    /// take it first. Senders that commit each batch's outcome keep batches this size, so a
    /// provider sending one by one never holds many uncommitted sends.
    public func batchLimit() async -> Int {
        for provider in providers where !(await cooling.isCooling(provider.name)) { return provider.batchLimit }
        return 1
    }

    /// Sends the message and answers the name of the provider that took it.
    @discardableResult
    public func send(_ message: EmailMessage) async throws(MailError) -> String {
        try await send(EmailBatch(message))[0].get()
    }

    /// Sends every recipient of the batch and answers, per recipient in order, the provider that
    /// took its message or why none did.
    public func send(_ batch: EmailBatch) async -> [Result<String, MailError>] {
        guard !providers.isEmpty else {
            return batch.recipients.map { _ in .failure(.unavailable(provider: "mail", "no mail provider is configured (MAIL_PROVIDERS)")) }
        }
        var results = [Result<String, MailError>?](repeating: nil, count: batch.recipients.count)
        var pending = Array(batch.recipients.indices)
        var failures: [MailError] = []
        for provider in providers where !pending.isEmpty {
            if await cooling.isCooling(provider.name) { continue }
            var handedOn: [Int] = []
            var failed = false
            for start in stride(from: 0, to: pending.count, by: max(1, provider.batchLimit)) {
                let slice = Array(pending[start..<min(start + max(1, provider.batchLimit), pending.count)])
                if failed {
                    handedOn += slice
                    continue
                }
                let answers = await sendLimited(batch.with(slice.map { batch.recipients[$0] }), through: provider)
                for (position, index) in slice.enumerated() {
                    let answer = position < answers.count ? answers[position]
                        : .transient(provider: provider.name, "answered \(answers.count) of \(slice.count) recipients")
                    switch answer {
                    case nil:
                        results[index] = .success(provider.name)
                    case let error? where error.isRejection:
                        results[index] = .failure(error)
                    case let error?:
                        handedOn.append(index)
                        if !failed {
                            failed = true
                            failures.append(error)
                            await cool(provider.name, after: error)
                        }
                    }
                }
            }
            pending = handedOn
        }
        if !pending.isEmpty {
            let error: MailError
            if failures.isEmpty {
                let wait = await cooling.shortestWait(providers.map(\.name))
                error = .transient(provider: "mail", "every mail provider is cooling down after failures", retryAfter: wait)
            } else {
                error = .transient(provider: "mail", failures.map(\.description).joined(separator: "; "))
            }
            for index in pending { results[index] = .failure(error) }
        }
        return results.map { $0! }
    }

    /// Whether a provider is skipped right now (for logs and tests).
    public func isCooling(_ name: String) async -> Bool {
        await cooling.isCooling(name)
    }

    private func sendLimited(_ batch: EmailBatch, through provider: any MailProvider) async -> [MailError?] {
        if let rate = limits[provider.name]?.ratePerSecond {
            do {
                if let throttle {
                    try await throttle.pace("mail:\(provider.name)", permits: batch.recipients.count, rate: rate)
                } else {
                    try await Task.sleep(for: .seconds(Double(batch.recipients.count) / rate))
                }
            } catch {
                return batch.recipients.map { _ in .transient(provider: provider.name, "cancelled while waiting for the send rate") }
            }
        }
        guard let gate = gates[provider.name] else { return await provider.send(batch) }
        return await gate.withPermit { await provider.send(batch) }
    }

    private func cool(_ name: String, after error: MailError) async {
        switch error {
        case .transient(_, _, let retryAfter): await cooling.cool(name, for: max(retryAfter ?? cooldown, .seconds(1)))
        case .unavailable, .rejected: await cooling.cool(name, for: cooldown)
        }
    }
}

/// Until when each provider is skipped.
private actor Cooldowns {
    private var until: [String: ContinuousClock.Instant] = [:]

    func isCooling(_ name: String) -> Bool {
        guard let end = until[name] else { return false }
        if end <= .now {
            until[name] = nil
            return false
        }
        return true
    }

    func cool(_ name: String, for duration: Duration) {
        until[name] = .now + duration
    }

    func shortestWait(_ names: [String]) -> Duration? {
        names.compactMap { until[$0] }.min().map { $0 - .now }
    }
}
