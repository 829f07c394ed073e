import Foundation
import Jobs
import Synchronization

/// Whether a signed access token still opens its user's account: the user exists and the token's
/// session epoch is the current one (a password reset raises it). Answers are kept for `lifetime`
/// (`API_KEY_CACHE_SECONDS`, as for keys), so a busy user costs one lookup per lifetime; a change
/// made through this process drops its entry at once.
final class UserSessions: Sendable {
    static let maximumEntries = 10_000

    let lifetime: Duration
    /// The user's current epoch, or nil for a user who does not exist.
    private let entries = Mutex<[UUID: (epoch: Int?, until: ContinuousClock.Instant)]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// True when `userID` exists and `epoch` is their current session epoch; `lookup` reads the
    /// current epoch (nil: no such user) when no fresh answer is kept.
    func isCurrent(_ userID: UUID, epoch: Int, lookup: () async throws -> Int?) async throws -> Bool {
        let now = ContinuousClock.now
        let kept: Int?? = entries.withLock { entries in
            guard let entry = entries[userID], entry.until > now else { return .none }
            return .some(entry.epoch)
        }
        let current: Int?
        if let kept {
            current = kept
        } else {
            current = try await lookup()
            if lifetime > .zero {
                entries.withLock { entries in
                    if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
                    entries[userID] = (current, now + lifetime)
                }
            }
        }
        return current == epoch
    }

    func forget(_ userID: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: userID) }
    }
}
