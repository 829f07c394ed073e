import Foundation
import Platform
import Synchronization

/// Whether a signed access token still opens its user's account: the user exists and the token's
/// session epoch is the current one (a password reset raises it). Answers are kept for `lifetime`
/// (`API_KEY_CACHE_SECONDS`, as for keys), so a busy user costs one lookup per lifetime; a change
/// made through this process drops its entry at once.
final class UserSessions: Sendable {
    static let maximumEntries = 10_000

    let lifetime: Duration
    private struct State {
        /// The user's current epoch, or nil for a user who does not exist.
        var entries: [UUID: (epoch: Int?, until: ContinuousClock.Instant)] = [:]
        /// Raised by every `forget`: a lookup that began before one is not kept after it.
        var generation = 0
    }

    private let state = Mutex(State())

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// True when `userID` exists and `epoch` is their current session epoch; `lookup` reads the
    /// current epoch (nil: no such user) when no fresh answer is kept.
    func isCurrent(_ userID: UUID, epoch: Int, lookup: () async throws -> Int?) async throws -> Bool {
        let now = ContinuousClock.now
        let (kept, generation): (Int??, Int) = state.withLock { state in
            guard let entry = state.entries[userID], entry.until > now else { return (.none, state.generation) }
            return (.some(entry.epoch), state.generation)
        }
        let current: Int?
        if let kept {
            current = kept
        } else {
            current = try await lookup()
            if lifetime > .zero {
                state.withLock { state in
                    guard state.generation == generation else { return }
                    if state.entries.count >= Self.maximumEntries { state.entries.removeAll(keepingCapacity: true) }
                    state.entries[userID] = (current, now + lifetime)
                }
            }
        }
        return current == epoch
    }

    func forget(_ userID: UUID) {
        state.withLock { state in
            state.entries[userID] = nil
            state.generation += 1
        }
    }
}
