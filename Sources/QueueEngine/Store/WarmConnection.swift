import PostgresNIO
import Synchronization

/// Pooled connections kept checked out while statements keep coming, for callers that run their
/// statements one after another (the enqueue batcher's flushes, one connection for each). The
/// pool's checkout cost a lone producer about a fifth of its enqueue rate (2,454 against 3,015
/// one-row inserts a second on a held connection, same run). A caller that finds them busy or not
/// there yet uses the pool. Each goes back to the pool once unused for `idleLimit`, and within a
/// look (a quarter of it, at most 250 ms) after a failure that may have left it unusable or once it
/// is found closed (even with a statement stuck on it), so none holds a slot of the pool for a
/// producer that went quiet.
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
        /// Which checkout the slot holds: a statement that ends after its connection was given back
        /// (stuck on a closed one) must not touch the next one's state.
        var generation = 0

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
        guard let (index, generation, connection) = take() else { return try await pooled() }
        do {
            let result = try await body(connection)
            put(index, generation, usable: !connection.isClosed)
            return result
        } catch {
            put(index, generation, usable: !connection.isClosed && Self.leavesConnectionUsable(error))
            throw error
        }
    }

    /// An error PostgreSQL answered about the statement (not one that ends the session: FATAL, PANIC).
    static func leavesConnectionUsable(_ error: any Error) -> Bool {
        guard let info = (error as? PSQLError)?.serverInfo else { return false }
        return !["FATAL", "PANIC"].contains(info[.severity] ?? info[.localizedSeverity] ?? "")
    }

    /// How many statements ran on a warm connection, for tests.
    var uses: Int { state.withLock { $0.uses } }

    /// Connections checked out for this cache (or being checked out), for tests.
    var holding: Int { state.withLock { $0.slots.filter(\.holding).count } }

    /// Connections checked out and free for the next caller, for tests.
    var ready: Int { state.withLock { $0.slots.filter(\.isFree).count } }

    private func take() -> (Int, Int, PostgresConnection)? {
        let (taken, holder) = state.withLock { state -> ((Int, Int, PostgresConnection)?, Int?) in
            if let index = state.slots.firstIndex(where: \.isFree), let connection = state.slots[index].connection {
                state.slots[index].busy = true
                state.uses += 1
                return ((index, state.slots[index].generation, connection), nil)
            }
            guard let index = state.slots.firstIndex(where: { !$0.holding }) else { return (nil, nil) }
            state.slots[index].holding = true
            return (nil, index)
        }
        if let holder { Task.detached { await self.hold(holder) } }
        return taken
    }

    private func put(_ index: Int, _ generation: Int, usable: Bool) {
        state.withLock { state in
            guard state.slots[index].generation == generation else { return }
            state.slots[index].busy = false
            state.slots[index].lastUsed = .now
            if !usable { state.slots[index].dropped = true }
        }
    }

    /// Checks a connection out for slot `index` and keeps it until it has been idle for `idleLimit`,
    /// was dropped, or closed (a statement stuck on a closed connection is left behind).
    private func hold(_ index: Int) async {
        let look = min(idleLimit / 4, .milliseconds(250))
        do {
            try await client.withConnection { connection in
                state.withLock { state in
                    state.slots[index].connection = connection
                    state.slots[index].dropped = false
                    state.slots[index].busy = false
                    state.slots[index].generation += 1
                    // Unused so far: if nobody takes it by the first look, it goes back then.
                    state.slots[index].lastUsed = .now - idleLimit + look
                }
                while true {
                    try? await Task.sleep(for: look)
                    let done = state.withLock { state -> Bool in
                        let slot = state.slots[index]
                        let idle = !slot.busy && ContinuousClock.now - slot.lastUsed >= idleLimit
                        guard idle || slot.dropped || connection.isClosed else { return false }
                        state.slots[index].connection = nil
                        state.slots[index].busy = false
                        state.slots[index].generation += 1
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
