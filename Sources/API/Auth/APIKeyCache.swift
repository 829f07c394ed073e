import Foundation
import Platform
import QueueEngine
import Synchronization

/// Recently authenticated API keys, so a busy key costs one database lookup per `lifetime` instead
/// of one per request. A revocation, or a change of any member's role, through this process drops
/// entries at once; other API processes honour it within `lifetime` (`API_KEY_CACHE_SECONDS`; 0
/// turns the cache off). An entry holds the key's creator's role, which bounds the key's power.
final class APIKeyCache: Sendable {
    static let defaultLifetime: Duration = .seconds(5)
    static let maximumEntries = 10_000

    private struct State {
        var entries: [Data: (key: AuthenticatedKey, until: ContinuousClock.Instant)] = [:]
        /// Raised by every drop: a lookup that began before one is not remembered after it.
        var generation = 0
    }

    let lifetime: Duration
    private let state = Mutex(State())

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func key(for digest: Data, now: ContinuousClock.Instant = .now) -> AuthenticatedKey? {
        state.withLock { state in
            guard let entry = state.entries[digest] else { return nil }
            guard entry.until > now else {
                state.entries[digest] = nil
                return nil
            }
            return entry.key
        }
    }

    /// Taken before a lookup and passed to `remember`.
    var generation: Int { state.withLock { $0.generation } }

    func remember(_ key: AuthenticatedKey, digest: Data, lookedUpAt generation: Int) {
        guard lifetime > .zero else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.maximumEntries { state.entries.removeAll(keepingCapacity: true) }
            state.entries[digest] = (key, .now + lifetime)
        }
    }

    func forget(keyID: UUID) {
        state.withLock { state in
            state.entries = state.entries.filter { $0.value.key.key.id != keyID }
            state.generation += 1
        }
    }

    /// Drops every entry: a member's role changed or a member left, and keys hold their creator's role.
    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }
}
