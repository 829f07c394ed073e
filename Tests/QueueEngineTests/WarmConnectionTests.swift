import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// The connections one-by-one enqueues keep checked out: statements follow each other on one, an
/// error PostgreSQL answered keeps it, one that died is replaced at once, and idle ones go back.
@Suite(.timeLimit(.minutes(2))) struct WarmConnectionTests {
    /// `pg_backend_pid()` through `store`, on a warm connection when one is free.
    private static func backend(_ store: JobStore, warm: WarmConnection, sleeping seconds: Double = 0) async throws -> Int32 {
        try await store.onConnection(preferring: warm) { [logger = store.logger] connection in
            var pid: Int32 = 0
            let rows = try await connection.query("SELECT pg_backend_pid() FROM pg_sleep(\(seconds))", logger: logger)
            for try await value in rows.decode(Int32.self) { pid = value }
            return pid
        }
    }

    @Test func statementsFollowEachOtherOnOneConnectionUntilItDies() async throws {
        try await TestHarness.with { harness in
            // Idle for long: only a failure or a closed connection gives it back within this test.
            let warm = WarmConnection(client: harness.client, idleLimit: .seconds(60))
            let store = harness.store
            // The first call takes the pool's way and has a connection checked out for the next ones.
            try await expectEventually(timeout: .seconds(10)) {
                _ = try await Self.backend(store, warm: warm)
                return warm.uses > 0
            }
            let first = try await Self.backend(store, warm: warm)
            #expect(try await Self.backend(store, warm: warm) == first)

            // A statement PostgreSQL refused leaves the connection as it was.
            await #expect(throws: PSQLError.self) {
                try await store.onConnection(preferring: warm) { [logger = harness.logger] connection in
                    try await connection.query("SELECT 1 / 0", logger: logger)
                }
            }
            #expect(try await Self.backend(store, warm: warm) == first)
            #expect(!WarmConnection.leavesConnectionUsable(CancellationError()), "a cancelled statement gives it up")

            // Ended by the server: given back at once (not after the idle minute) and replaced.
            try await harness.client.query("SELECT pg_terminate_backend(\(first))", logger: harness.logger)
            try await expectEventually(timeout: .seconds(10)) {
                // (A call that finds the dead connection before its closing is seen fails, as one from the pool could.)
                let pid = try? await Self.backend(store, warm: warm)
                return pid != nil && pid != first && warm.ready == 1
            }
            let uses = warm.uses
            let second = try await Self.backend(store, warm: warm)
            #expect(second != first && warm.uses == uses + 1)
        }
    }

    /// Unused past its idle limit a warm connection goes back to the pool; one checked out that
    /// nobody took goes back at the holder's first look.
    @Test func idleConnectionsGoBackToThePool() async throws {
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, idleLimit: .milliseconds(300))
            try await expectEventually(timeout: .seconds(10)) {
                _ = try await Self.backend(harness.store, warm: warm)
                return warm.uses > 0
            }
            try await expectEventually(timeout: .seconds(10)) { warm.holding == 0 }
            #expect(warm.ready == 0)

            // Checked out by a miss and never used: back after one look, not a whole idle limit.
            let lazy = WarmConnection(client: harness.client, idleLimit: .seconds(60))
            _ = try await Self.backend(harness.store, warm: lazy)
            try await expectEventually(timeout: .seconds(10)) { lazy.holding == 0 }
            #expect(lazy.uses == 0)
        }
    }

    /// Two callers at once each get a warm connection of their own; a pool keeps one warm per four
    /// of its connections at most.
    @Test func concurrentCallersEachGetTheirOwn() async throws {
        #expect(WarmConnection.count(wanted: 2, poolSize: 10) == 2)
        #expect(WarmConnection.count(wanted: 2, poolSize: 7) == 1)
        #expect(WarmConnection.count(wanted: 2, poolSize: 3) == 0)
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, count: 2, idleLimit: .seconds(60))
            let store = harness.store
            // Two at once miss the (empty) cache until both connections are checked out and used.
            try await expectEventually(timeout: .seconds(10)) {
                async let first = Self.backend(store, warm: warm, sleeping: 0.05)
                async let second = Self.backend(store, warm: warm, sleeping: 0.05)
                _ = try await (first, second)
                return warm.ready == 2
            }
            let uses = warm.uses
            async let third = Self.backend(store, warm: warm, sleeping: 0.3)
            async let fourth = Self.backend(store, warm: warm, sleeping: 0.3)
            let pids = try await [third, fourth]
            #expect(Set(pids).count == 2, "\(pids)")
            #expect(warm.uses == uses + 2)
            #expect(warm.holding == 2)
        }
    }

    /// One-by-one enqueues through a batcher that keeps connections warm commit every job once.
    @Test func enqueuesThroughAWarmConnectionCommitEveryJob() async throws {
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, idleLimit: .seconds(60))
            let batcher = EnqueueBatcher(store: harness.store, warm: warm)
            let job = try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
            var ids = Set<Int64>()
            for _ in 0..<50 { ids.insert(try await batcher.enqueue(job).id) }
            let concurrent = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<50 { group.addTask { try await batcher.enqueue(job).id } }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(ids.count == 50 && concurrent.count == 50 && ids.isDisjoint(with: concurrent))
            #expect(warm.uses > 0, "later enqueues ran on the warm connection")
            #expect(try await harness.countByState() == [.available: 100])
        }
    }
}
