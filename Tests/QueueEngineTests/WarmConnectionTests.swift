import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

/// The connection one-by-one enqueues keep checked out: statements follow each other on it, an error
/// PostgreSQL answered keeps it, a connection that died is replaced, and it goes back when unused.
@Suite(.timeLimit(.minutes(2))) struct WarmConnectionTests {
    @Test func statementsFollowEachOtherOnOneConnectionUntilItDiesOrIdles() async throws {
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, idleLimit: .milliseconds(300))
            let store = harness.store
            @Sendable func backend() async throws -> Int32 {
                try await store.onConnection(preferring: warm) { [logger = harness.logger] connection in
                    var pid: Int32 = 0
                    for try await value in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
                        pid = value
                    }
                    return pid
                }
            }
            // The first call takes the pool's way and has a connection checked out for the next ones.
            _ = try await backend()
            try await expectEventually(timeout: .seconds(10)) { warm.ready == 1 }
            let first = try await backend()
            #expect(try await backend() == first)
            #expect(warm.uses == 2)

            // A statement PostgreSQL refused leaves the connection as it was.
            await #expect(throws: PSQLError.self) {
                try await store.onConnection(preferring: warm) { [logger = harness.logger] connection in
                    try await connection.query("SELECT 1 / 0", logger: logger)
                }
            }
            #expect(try await backend() == first)

            // Ended by the server: a later call gets another connection, from the pool or kept warm.
            try await harness.client.query("SELECT pg_terminate_backend(\(first))", logger: harness.logger)
            // (A call that finds the dead connection before its closing is seen fails, as one from the pool could.)
            try await expectEventually(timeout: .seconds(10)) { (try? await backend()).map { $0 != first } ?? false }
            // Calls keep coming: the dead one given back, another is checked out for them.
            try await expectEventually(timeout: .seconds(10)) {
                _ = try? await backend()
                return warm.ready == 1
            }
            let uses = warm.uses
            let second = try await backend()
            #expect(second != first && warm.uses == uses + 1)

            // Unused past its idle limit, it goes back to the pool.
            try await expectEventually(timeout: .seconds(10)) { warm.holding == 0 }
            #expect(warm.ready == 0)
        }
    }

    /// Two callers at once each get a warm connection of their own; a pool keeps one warm per four
    /// of its connections at most.
    @Test func concurrentCallersEachGetTheirOwn() async throws {
        #expect(WarmConnection.count(wanted: 2, poolSize: 10) == 2)
        #expect(WarmConnection.count(wanted: 2, poolSize: 7) == 1)
        #expect(WarmConnection.count(wanted: 2, poolSize: 3) == 0)
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, count: 2, idleLimit: .seconds(5))
            let store = harness.store
            @Sendable func backend(sleeping seconds: Double) async throws -> Int32 {
                try await store.onConnection(preferring: warm) { [logger = harness.logger] connection in
                    var pid: Int32 = 0
                    let rows = try await connection.query("SELECT pg_backend_pid() FROM pg_sleep(\(seconds))", logger: logger)
                    for try await value in rows.decode(Int32.self) { pid = value }
                    return pid
                }
            }
            // Two at once miss the (empty) cache and have both connections checked out.
            async let first = backend(sleeping: 0.1)
            async let second = backend(sleeping: 0.1)
            _ = try await (first, second)
            try await expectEventually(timeout: .seconds(10)) { warm.ready == 2 }
            async let third = backend(sleeping: 0.3)
            async let fourth = backend(sleeping: 0.3)
            let pids = try await [third, fourth]
            #expect(Set(pids).count == 2, "\(pids)")
            #expect(warm.uses == 2)
            #expect(warm.holding == 2)
        }
    }

    /// One-by-one enqueues through a batcher that keeps a connection warm commit every job once.
    @Test func enqueuesThroughAWarmConnectionCommitEveryJob() async throws {
        try await TestHarness.with { harness in
            let warm = WarmConnection(client: harness.client, idleLimit: .milliseconds(300))
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
