import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct MaintenanceTests {
    @Test func pruneDeletesOnlyFinishedJobsPastRetention() async throws {
        try await TestHarness.with { harness in
            var ids: [Int64] = []
            for _ in 0..<4 { ids.append(try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed])).id) }
            try await harness.queue.cancel(id: ids[0])
            try await harness.queue.cancel(id: ids[1])
            // ids[0] finished long ago, ids[1] just now, ids[2] and ids[3] never.
            try await harness.client.query(
                "UPDATE queue_jobs SET finished_at = now() - interval '2 hours' WHERE id = \(ids[0])", logger: harness.logger)
            var configuration = MaintenanceConfiguration()
            configuration.retention = .seconds(3600)
            let pruner = JobPruner(store: harness.store, configuration: configuration, logger: harness.logger)
            // Other tests' workers may hold the pruning lock, and the database may hold older jobs of
            // earlier runs: prune until this job is gone.
            try await expectEventually {
                _ = try await pruner.pruneOnce()
                return (try? await harness.job(ids[0])) == nil
            }
            await #expect(throws: QueueError.self) { try await harness.job(ids[0]) }
            #expect(try await harness.job(ids[1]).state == .cancelled)
            #expect(try await harness.job(ids[2]).state == .available)
        }
    }

    @Test func maintenanceRunsInOneProcessAtATime() async throws {
        try await TestHarness.with { harness in
            let holding = AsyncStream.makeStream(of: Void.self)
            let release = AsyncStream.makeStream(of: Void.self)
            // Worker processes of other tests prune too (the lock is global): keep trying until this
            // test is the leader, then hold the lock until told to let go.
            let leader = Task {
                while true {
                    let result = try await harness.store.asLeader(of: .prune) { _ in
                        holding.continuation.yield()
                        for await _ in release.stream { break }
                        return true
                    }
                    if let result { return result }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            for await _ in holding.stream { break }
            // While this test holds it, nobody else gets it.
            let second = try await harness.store.asLeader(of: .prune) { _ in true }
            #expect(second == nil)
            release.continuation.yield()
            #expect(try await leader.value == true)
            // Once released, the lock can be taken again.
            try await expectEventually { try await harness.store.asLeader(of: .prune) { _ in true } == true }
        }
    }
}
