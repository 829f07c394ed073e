/// Sends through an ordered list of providers. A provider that fails for a reason of its own
/// (transient, or unavailable for this message) cools down for a while and the message goes to the
/// next one; a rejected address ends the attempt at once, since another provider would not deliver
/// it either. When every provider is cooling down, the send fails transiently and the job retries.
public struct FailoverMailer: Sendable {
    public let providers: [any MailProvider]
    public let cooldown: Duration
    private let cooling = Cooldowns()

    public init(providers: [any MailProvider], cooldown: Duration = .seconds(60)) {
        self.providers = providers
        self.cooldown = cooldown
    }

    /// Sends the message and answers the name of the provider that took it.
    @discardableResult
    public func send(_ message: EmailMessage) async throws(MailError) -> String {
        guard !providers.isEmpty else {
            throw .unavailable(provider: "mail", "no mail provider is configured (MAIL_PROVIDERS)")
        }
        var failures: [MailError] = []
        for provider in providers {
            if await cooling.isCooling(provider.name) { continue }
            do {
                try await provider.send(message)
                return provider.name
            } catch {
                switch error {
                case .rejected:
                    throw error
                case .transient(_, _, let retryAfter):
                    await cooling.cool(provider.name, for: max(retryAfter ?? cooldown, .seconds(1)))
                case .unavailable:
                    await cooling.cool(provider.name, for: cooldown)
                }
                failures.append(error)
            }
        }
        guard !failures.isEmpty else {
            let wait = await cooling.shortestWait(providers.map(\.name))
            throw .transient(provider: "mail", "every mail provider is cooling down after failures", retryAfter: wait)
        }
        throw .transient(provider: "mail", failures.map(\.description).joined(separator: "; "))
    }

    /// Whether a provider is skipped right now (for logs and tests).
    public func isCooling(_ name: String) async -> Bool {
        await cooling.isCooling(name)
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
