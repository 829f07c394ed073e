import PostgresNIO
import Synchronization

/// Pooled connections kept checked out while statements keep coming, for callers that run their
/// statements one after another (the enqueue batcher's flushes, one connection for each). The pool's checkout cost a lone
/// producer about a fifth of its enqueue rate (2,454 against 3,015 one-row inserts a second on a
/// held connection, same run). A caller that finds them busy or not there yet uses the pool; each goes
/// back to the pool once unused for `idleLimit`, and at once after a failure that may have left it
/// unusable, so none holds a slot of the pool for a producer that went quiet.
public final class WarmConnection: Sendable {
    /// Pools smaller than this many connections per warm one keep none warm: too large a share.
    public static let poolShare = 4

    let client: PostgresClient
    let idleLimit: Duration

    private struct Slot {
        var connection: PostgresConnection?
        var busy = false
        /// A holder task is checking one out or holds one.
        var holding = false
        /// Given up: the holder gives it back to the pool at its next look.
        var dropped = false
        var lastUsed = ContinuousClock.now

        var isFree: Bool { connection.map { !busy && !dropped && !$0.isClosed } ?? false }
    }

    private struct State {
        var slots: [Slot]
        var uses = 0
    }

    private let state: Mutex<State>

    /// Keeps up to `count` connections warm.
    public init(client: PostgresClient, count: Int = 1, idleLimit: Duration = .seconds(1)) {
        self.client = client
        self.idleLimit = idleLimit
        state = Mutex(State(slots: Array(repeating: Slot(), count: max(1, count))))
    }

    /// How many connections a pool of `poolSize` may keep warm for `wanted` callers at once.
    public static func count(wanted: Int, poolSize: Int) -> Int {
        min(wanted, poolSize / poolShare)
    }

    /// Runs `body` on a warm connection when one is free, else `pooled` (and one more is checked out
    /// for the next caller when there is room). A statement error PostgreSQL answered leaves the
    /// connection warm; any other failure, or a connection found closed, gives it back to the pool.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T, pooled: () async throws -> T) async throws -> T {
        guard let (index, connection) = take() else { return try await pooled() }
        do {
            let result = try await body(connection)
            put(index, usable: !connection.isClosed)
            return result
        } catch {
            put(index, usable: !connection.isClosed && (error as? PSQLError)?.serverInfo != nil)
            throw error
        }
    }

    /// How many statements ran on a warm connection, for tests.
    var uses: Int { state.withLock { $0.uses } }

    /// Connections checked out for this cache (or being checked out), for tests.
    var holding: Int { state.withLock { $0.slots.filter(\.holding).count } }

    /// Connections checked out and free for the next caller, for tests.
    var ready: Int { state.withLock { $0.slots.filter(\.isFree).count } }

    private func take() -> (Int, PostgresConnection)? {
        let (taken, holder) = state.withLock { state -> ((Int, PostgresConnection)?, Int?) in
            if let index = state.slots.firstIndex(where: \.isFree), let connection = state.slots[index].connection {
                state.slots[index].busy = true
                state.uses += 1
                return ((index, connection), nil)
            }
            guard let index = state.slots.firstIndex(where: { !$0.holding }) else { return (nil, nil) }
            state.slots[index].holding = true
            return (nil, index)
        }
        if let holder { Task.detached { await self.hold(holder) } }
        return taken
    }

    private func put(_ index: Int, usable: Bool) {
        state.withLock { state in
            state.slots[index].busy = false
            state.slots[index].lastUsed = .now
            if !usable { state.slots[index].dropped = true }
        }
    }

    /// Checks a connection out for slot `index` and keeps it until it has been idle for `idleLimit`
    /// or was dropped.
    private func hold(_ index: Int) async {
        let look = idleLimit / 4
        do {
            try await client.withConnection { connection in
                state.withLock { state in
                    state.slots[index].connection = connection
                    state.slots[index].dropped = false
                    state.slots[index].lastUsed = .now
                }
                while true {
                    try? await Task.sleep(for: look)
                    let done = state.withLock { state -> Bool in
                        let slot = state.slots[index]
                        guard !slot.busy, slot.dropped || ContinuousClock.now - slot.lastUsed >= idleLimit else { return false }
                        state.slots[index].connection = nil
                        return true
                    }
                    if done { return }
                }
            }
        } catch {
            // No connection could be checked out: callers keep using the pool, and the next one tries again.
        }
        state.withLock { state in
            state.slots[index].connection = nil
            state.slots[index].holding = false
        }
    }
}
