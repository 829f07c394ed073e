import Foundation
import Jobs
import QueueEngine
import Synchronization

/// Recently authenticated API keys, so a busy key costs one database lookup per `lifetime` instead
/// of one per request. A revocation, or a change of any member's role, through this process drops
/// entries at once; other API processes honour it within `lifetime` (`API_KEY_CACHE_SECONDS`; 0
/// turns the cache off). An entry holds the key's creator's role, which bounds the key's power.
final class APIKeyCache: Sendable {
    static let defaultLifetime: Duration = .seconds(5)
    static let maximumEntries = 10_000

    let lifetime: Duration
    private let entries = Mutex<[Data: (key: AuthenticatedKey, until: ContinuousClock.Instant)]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func key(for digest: Data, now: ContinuousClock.Instant = .now) -> AuthenticatedKey? {
        entries.withLock { entries in
            guard let entry = entries[digest] else { return nil }
            guard entry.until > now else {
                entries[digest] = nil
                return nil
            }
            return entry.key
        }
    }

    func remember(_ key: AuthenticatedKey, digest: Data) {
        guard lifetime > .zero else { return }
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
            entries[digest] = (key, .now + lifetime)
        }
    }

    func forget(keyID: UUID) {
        entries.withLock { entries in entries = entries.filter { $0.value.key.key.id != keyID } }
    }

    /// Drops every entry: a member's role changed or a member left, and keys hold their creator's role.
    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}
