import Foundation
import QueueEngine
import Testing
import TestSupport

/// What operators read and do through the engine: live workers, the last hour's activity, search,
/// deleting finished jobs and running a kind's discarded jobs again.
@Suite(.timeLimit(.minutes(3))) struct OperatorStoreTests {
    @Test func aRunningWorkerIsListedAndLeavesWhenItStops() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let configuration = harness.workerConfiguration(slots: 3)
            try await harness.withWorker(configuration, registry: .scripted(probe)) { _ in
                try await expectEventually {
                    try await harness.store.workers(seenWithin: .seconds(30)).contains { $0.id == configuration.id }
                }
                let presence = try #require(try await harness.store.workers(seenWithin: .seconds(30)).first { $0.id == configuration.id })
                #expect(presence.queues == [harness.queueName: 3])
                #expect(presence.pid == Int(ProcessInfo.processInfo.processIdentifier))
                #expect(!presence.host.isEmpty)
            }
            #expect(try await !harness.store.workers(seenWithin: .seconds(30)).contains { $0.id == configuration.id })
        }
    }

    @Test func activityCountsAWorkspacesFinishedJobsPerMinute() async throws {
        try await TestHarness.with { harness in
            let workspace = TestHarness.uniqueName("ws")
            let probe = Probe()
            try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                var ids: [Int64] = []
                for action in [ScriptArgs.Action.succeed, .succeed, .succeed, .discard] {
                    ids.append(try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [action]), JobOptions(workspaceID: workspace)).id)
                }
                for id in ids { try await harness.waitFor(id) }
            }
            let minutes = try await harness.store.activity(over: .seconds(3_600), workspaceID: workspace)
            #expect(minutes.reduce(0) { $0 + $1.completed } == 3)
            #expect(minutes.reduce(0) { $0 + $1.discarded } == 1)
            #expect(minutes.allSatisfy { $0.averageDurationSeconds >= 0 && $0.averageWaitSeconds >= 0 })
            #expect(try await harness.store.activity(over: .seconds(3_600), workspaceID: TestHarness.uniqueName("none")).isEmpty)
        }
    }

    @Test func searchMatchesIdsKindsAndArgumentsLiterally() async throws {
        try await TestHarness.with { harness in
            let workspace = TestHarness.uniqueName("ws")
            // No digits in the arguments: a job id searched as text must not also occur in them,
            // whatever ids the database hands out.
            let needle = try await harness.queue.enqueue(try NewJob(kind: "test.search", argsJSON: #"{"to": "needle-abc%@example.com"}"#,
                                                                     options: JobOptions(queue: harness.queueName, workspaceID: workspace)))
            let other = try await harness.queue.enqueue(try NewJob(kind: "test.search", argsJSON: #"{"to": "needle-abcde@example.com"}"#,
                                                                    options: JobOptions(queue: harness.queueName, workspaceID: workspace)))
            func found(_ text: String) async throws -> [Int64] {
                try await harness.store.list(JobFilter(workspaceID: workspace, search: text)).map(\.id)
            }
            #expect(try await found("NEEDLE-ABC%") == [needle.id], "case-insensitive, and % is not a wildcard")
            #expect(try await Set(found("needle")) == [needle.id, other.id])
            #expect(try await found(String(other.id)) == [other.id])
            #expect(try await found("_") .isEmpty, "_ is not a wildcard either")
            #expect(try await Set(found("test.search")) == [needle.id, other.id])
        }
    }

    @Test func finishedJobsAreDeletedAndDiscardedOnesOfAKindRunAgain() async throws {
        try await TestHarness.with { harness in
            let workspace = TestHarness.uniqueName("ws")
            let probe = Probe()
            let args = ScriptArgs(actions: [.discard, .succeed])
            let discarded = try await harness.withWorker(harness.workerConfiguration(), registry: .scripted(probe)) { _ in
                var discarded: [Int64] = []
                for _ in 0..<3 {
                    discarded.append(try await harness.enqueue(ScriptedJob.self, args, JobOptions(workspaceID: workspace)).id)
                }
                // A discarded job whose unique key a newer queued job holds stays discarded.
                let keyed = try await harness.enqueue(ScriptedJob.self, args, JobOptions(uniqueKey: "op-\(workspace)", workspaceID: workspace)).id
                for id in discarded + [keyed] { #expect(try await harness.waitFor(id).state == .discarded) }
                try await harness.store.pause(queue: harness.queueName)
                _ = try await harness.enqueue(ScriptedJob.self, args, JobOptions(uniqueKey: "op-\(workspace)", workspaceID: workspace))
                // Another workspace's discarded jobs are not touched.
                #expect(try await harness.queue.retryDiscarded(kind: ScriptedJob.name, workspaceID: TestHarness.uniqueName("other")) == 0)
                #expect(try await harness.queue.retryDiscarded(kind: ScriptedJob.name, workspaceID: workspace) == 3)
                #expect(try await harness.job(keyed).state == .discarded)
                try await harness.queue.resume(queue: harness.queueName)
                for id in discarded { #expect(try await harness.waitFor(id).state == .completed) }
                return discarded
            }
            try await harness.store.delete(id: discarded[0], workspaceID: workspace)
            await #expect(throws: QueueError.self) { try await harness.job(discarded[0]) }
            let queued = try await harness.enqueue(ScriptedJob.self, args, JobOptions(delay: .seconds(3_600), workspaceID: workspace)).id
            await #expect(throws: QueueError.self) { try await harness.store.delete(id: queued, workspaceID: workspace) }
            await #expect(throws: QueueError.self) { try await harness.store.delete(id: discarded[1], workspaceID: "someone-else") }
            #expect(try await harness.job(discarded[1]).state == .completed)
        }
    }

    @Test func bulkActionsChangeExactlyWhatTheFilterMatchesAPageAtATime() async throws {
        try await TestHarness.with { harness in
            let (mine, theirs) = (TestHarness.uniqueName("ws"), TestHarness.uniqueName("ws"))
            try await harness.store.pause(queue: harness.queueName)
            func enqueue(_ kind: String, _ workspace: String, _ note: String = "plain") async throws -> Int64 {
                try await harness.queue.enqueue(try NewJob(kind: kind, argsJSON: #"{"note": "\#(note)"}"#,
                                                           options: JobOptions(queue: harness.queueName, workspaceID: workspace))).id
            }
            var bulk: [Int64] = []
            for _ in 0..<5 { bulk.append(try await enqueue("test.bulk", mine)) }
            let otherKind = try await enqueue("test.other", mine, "needle")
            var otherWorkspace: [Int64] = []
            for _ in 0..<3 { otherWorkspace.append(try await enqueue("test.bulk", theirs)) }
            func states(_ ids: [Int64]) async throws -> Set<JobState> {
                var found = Set<JobState>()
                for id in ids { found.insert(try await harness.store.job(id: id).state) }
                return found
            }

            let mineOfKind = JobFilter(queue: harness.queueName, kind: "test.bulk", workspaceID: mine)
            let first = try await harness.queue.cancelMatching(mineOfKind, limit: 3)
            #expect(first.count == 3 && first.more && first.running.isEmpty)
            let rest = try await harness.queue.cancelMatching(mineOfKind, limit: 3)
            #expect(rest.count == 2 && !rest.more)
            #expect(try await states(bulk) == [.cancelled])
            #expect(try await states(otherWorkspace + [otherKind]) == [.available], "other workspaces and kinds are untouched")

            await #expect(throws: QueueError.self) { try await harness.queue.cancelMatching(JobFilter(state: .completed, kind: "test.bulk")) }
            await #expect(throws: QueueError.self) { try await harness.queue.retryMatching(JobFilter(state: .running, kind: "test.bulk")) }

            let searched = try await harness.queue.cancelMatching(JobFilter(queue: harness.queueName, search: "needle"))
            let searchedState = try await harness.store.job(id: otherKind).state
            #expect(searched.count == 1 && searchedState == .cancelled)

            let retried = try await harness.queue.retryMatching(mineOfKind)
            #expect(retried.count == 5 && retried.queues == [harness.queueName] && !retried.more)
            #expect(try await states(bulk) == [.available])
            #expect(try await harness.store.job(id: otherKind).state == .cancelled, "a filter by kind leaves the other kind")
        }
    }
}
