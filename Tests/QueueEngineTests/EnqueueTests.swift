import Foundation
import PostgresNIO
@testable import QueueEngine
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(5))) struct EnqueueTests {
    @Test func enqueueStoresKindDefaultsAndOptions() async throws {
        try await TestHarness.with { harness in
            let runAt = Date().addingTimeInterval(3600)
            let result = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(
                priority: 3, runAt: runAt, uniqueKey: nil, workspaceID: "ws-1", tags: ["a", "b"]))
            let job = try await harness.job(result.id)
            #expect(job.kind == ScriptedJob.name)
            #expect(job.queue == harness.queueName)
            #expect(job.state == .available)
            #expect(job.priority == 3)
            #expect(job.maxAttempts == 3)
            #expect(job.workspaceID == "ws-1")
            #expect(job.tags == ["a", "b"])
            #expect(abs(job.runAt.timeIntervalSince(runAt)) < 0.01)
        }
    }

    @Test func duplicateUniqueKeyReturnsTheExistingJob() async throws {
        try await TestHarness.with { harness in
            let key = TestHarness.uniqueName("key")
            let first = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            let second = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.fail]), JobOptions(uniqueKey: key))
            #expect(!first.isDuplicate)
            #expect(second.isDuplicate)
            #expect(second.id == first.id)
            // Once the first is final, the key is free again.
            _ = try await harness.queue.cancel(id: first.id)
            let third = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            #expect(!third.isDuplicate)
            #expect(third.id != first.id)
        }
    }

    @Test func rolledBackTransactionLeavesNoJob() async throws {
        struct Abort: Error {}
        try await TestHarness.with { harness in
            await #expect(throws: Abort.self) {
                try await harness.queue.transaction { transaction in
                    try await transaction.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
                    throw Abort()
                }
            }
            #expect(try await harness.countByState().isEmpty)
            let id = try await harness.queue.transaction { transaction in
                try await transaction.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName)).id
            }
            #expect(try await harness.job(id).state == .available)
        }
    }

    @Test func batchEnqueueInsertsTenThousandInOrder() async throws {
        try await TestHarness.with { harness in
            let jobs = try (0..<10_000).map { index in
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed], sleepMS: index),
                           options: JobOptions(queue: harness.queueName,
                                               tags: index % 2 == 0 ? ["even"] : index % 3 == 0 ? ["odd", "three"] : []))
            }
            let results = try await harness.queue.enqueueMany(jobs)
            #expect(results.count == 10_000)
            #expect(results.allSatisfy { !$0.isDuplicate })
            #expect(Set(results.map(\.id)).count == 10_000)
            let probe = try await harness.job(results[1234].id)
            #expect(probe.argsJSON.contains("1234"))
            #expect(probe.tags == ["even"])
            #expect(try await harness.job(results[1235].id).tags == [])
            // Several tags travel in one array element, split on the separator again in SQL.
            #expect(try await harness.job(results[1233].id).tags == ["odd", "three"])
            #expect(try await harness.countByState() == [.available: 10_000])
        }
    }

    /// Large batches go in by COPY, small ones by the unnest insert, single jobs by the one-row insert:
    /// every path must store the same row, whatever bytes the values hold.
    @Test func everyInsertPathStoresTheSameRows() async throws {
        try await TestHarness.with { harness in
            let runAt = Date(timeIntervalSince1970: 1_900_000_000.123456)
            let awkward = [
                JobOptions(priority: -5, runAt: runAt, timeout: .milliseconds(1_500), workspaceID: "ws\t1\\x",
                           tags: ["a,b", "{c}", "say \"hi\"", "back\\slash", "", "NULL", "tab\there", "new\nline"],
                           concurrency: ConcurrencyLimit(key: "line\r\nkey", limit: 2)),
                JobOptions(priority: 7, maxAttempts: 9, tags: ["ünïcødé ✓"]),
                JobOptions(),
            ]
            let argsJSON = #"{"text":"a\tb\\c\nd \"q\" é","list":[1,2.5,null],"nested":{"k":"\\N"}}"#
            func jobs(_ count: Int, path: String) throws -> [NewJob] {
                try (0..<count).map { index in
                    var options = awkward[index % awkward.count]
                    options.queue = harness.queueName
                    options.tags.append(path)
                    return try NewJob(kind: "kind\twith\\odd bytes", argsJSON: argsJSON, options: options)
                }
            }
            let copied = try await harness.queue.enqueueMany(try jobs(JobStore.copyThreshold + 2, path: "copy"))
            let inserted = try await harness.queue.enqueueMany(try jobs(awkward.count, path: "unnest"))
            var single: [EnqueueResult] = []
            for job in try jobs(awkward.count, path: "one") { single.append(try await harness.queue.enqueue(job)) }
            #expect(copied.map(\.id) == copied.map(\.id).sorted(), "ids ascend in input order")

            /// Every column an enqueue sets, as PostgreSQL prints it, without the path's own tag.
            func stored(_ id: Int64) async throws -> String {
                let rows = try await harness.client.query("""
                    SELECT concat_ws('|', kind, queue, args::text, priority, max_attempts, timeout_ms, workspace_id,
                                     tags[1:cardinality(tags) - 1]::text, concurrency_key, concurrency_limit,
                                     CASE WHEN run_at > now() + interval '1 day' THEN run_at::text END, state::text)
                    FROM queue_jobs WHERE id = \(id)
                    """, logger: harness.logger)
                for try await text in rows.decode(String.self) { return text }
                return "missing"
            }
            for index in awkward.indices {
                let expected = try await stored(single[index].id)
                #expect(try await stored(inserted[index].id) == expected)
                #expect(try await stored(copied[index].id) == expected)
                #expect(try await stored(copied[index + awkward.count * 300].id) == expected)
            }
            let first = try await harness.job(copied[0].id)
            #expect(first.tags.dropLast() == awkward[0].tags[...])
            #expect(abs(first.runAt.timeIntervalSince(runAt)) < 0.000_002)
            #expect(first.argsJSON.contains(#""\\N""#))
            // Jobs without run_at are due at once, by the server's clock.
            let due = try await harness.job(copied[1].id)
            #expect(abs(due.runAt.timeIntervalSinceNow) < 60)
            #expect(try await harness.countByState() == [.available: JobStore.copyThreshold + 2 + 2 * awkward.count])
        }
    }

    /// A COPY batch sends only the columns some of its jobs set: a plain batch leaves the rest to the
    /// table's defaults, and one job with a run_at brings that column for all, the others at the server's now.
    @Test func aCopiedBatchLeavesUnsetColumnsToTheDefaults() async throws {
        try await TestHarness.with { harness in
            let plain = try NewJob(kind: "plain", argsJSON: #"{"n":1}"#, options: JobOptions(queue: harness.queueName))
            let copied = try await harness.queue.enqueueMany(Array(repeating: plain, count: JobStore.copyThreshold))
            let record = try await harness.job(copied[JobStore.copyThreshold / 2].id)
            #expect(record.kind == "plain" && record.argsJSON == #"{"n": 1}"# && record.priority == 0)
            #expect(record.tags == [] && record.workspaceID == nil && record.traceparent == nil && record.state == .available)
            #expect(abs(record.runAt.timeIntervalSinceNow) < 60)

            let later = Date(timeIntervalSinceNow: 86_400)
            var mixed = Array(repeating: plain, count: JobStore.copyThreshold)
            mixed[1] = try NewJob(kind: "plain", argsJSON: "{}", options: JobOptions(queue: harness.queueName, runAt: later))
            let ids = try await harness.queue.enqueueMany(mixed).map(\.id)
            #expect(abs(try await harness.job(ids[1]).runAt.timeIntervalSince(later)) < 0.000_002)
            #expect(abs(try await harness.job(ids[0]).runAt.timeIntervalSinceNow) < 60)
            #expect(abs(try await harness.job(ids[2]).runAt.timeIntervalSinceNow) < 60)
        }
    }

    /// PostgreSQL refuses `\u0000` in jsonb, which the JSON parser of `NewJob` lets through: a batch
    /// holding one such job fails whole on either path, and the pool's connections stay usable.
    @Test func aBatchTheServerRefusesInsertsNothing() async throws {
        try await TestHarness.with { harness in
            let refused = try NewJob(kind: "x", argsJSON: #"{"text":"\u0000"}"#, options: JobOptions(queue: harness.queueName))
            for size in [10, JobStore.copyThreshold] {
                var jobs = try (1..<size).map { _ in
                    try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
                }
                jobs.insert(refused, at: size / 2)
                await #expect(throws: PSQLError.self, "a batch of \(size)") { try await harness.queue.enqueueMany(jobs) }
                #expect(try await harness.countByState().isEmpty)
            }
            let after = try await harness.queue.enqueueMany(try (0..<JobStore.copyThreshold).map { _ in
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: JobOptions(queue: harness.queueName))
            })
            #expect(after.count == JobStore.copyThreshold)
            #expect(try await harness.countByState() == [.available: JobStore.copyThreshold])
        }
    }

    @Test func batchEnqueueReportsDuplicatesWithinAndAcrossBatches() async throws {
        try await TestHarness.with { harness in
            let key = TestHarness.uniqueName("key")
            let existing = try await harness.enqueue(ScriptedJob.self, ScriptArgs(actions: [.succeed]), JobOptions(uniqueKey: key))
            let other = TestHarness.uniqueName("key")
            let options = { (key: String?) in JobOptions(queue: harness.queueName, uniqueKey: key) }
            let results = try await harness.queue.enqueueMany([
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(key)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(other)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(nil)),
                try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]), options: options(other)),
            ])
            #expect(results[0] == EnqueueResult(id: existing.id, isDuplicate: true))
            #expect(!results[1].isDuplicate)
            #expect(!results[2].isDuplicate)
            #expect(results[3] == EnqueueResult(id: results[1].id, isDuplicate: true))
            #expect(try await harness.countByState() == [.available: 3])
        }
    }

    @Test func invalidJobsAreRefusedBeforeTheDatabase() throws {
        #expect(throws: QueueError.self) { try NewJob(kind: "x", argsJSON: "[1]") }
        #expect(throws: QueueError.self) { try NewJob(kind: "", argsJSON: "{}") }
        #expect(throws: QueueError.self) { try NewJob(kind: "x", argsJSON: "{}", options: JobOptions(maxAttempts: 0)) }
        #expect(throws: QueueError.self) {
            try NewJob(kind: "x", argsJSON: "{}", options: JobOptions(concurrency: ConcurrencyLimit(key: "k", limit: 0)))
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct EnqueueBatcherTests {
    @Test func concurrentEnqueuesShareCommitsAndAllArrive() async throws {
        try await TestHarness.with { harness in
            let batcher = EnqueueBatcher(store: harness.queue.store)
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let job = try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]),
                                             options: JobOptions(queue: harness.queueName, tags: ["n\(index)"]))
                        return try await batcher.enqueue(job).id
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 500)
            #expect(try await harness.countByState() == [.available: 500])
            // Each job is the one its caller asked for.
            let rows = try await harness.client.query(
                "SELECT id, tags[1] FROM queue_jobs WHERE queue = \(harness.queueName)", logger: harness.logger)
            var tagByID: [Int64: String] = [:]
            for try await (id, tag) in rows.decode((Int64, String).self) { tagByID[id] = tag }
            #expect(tagByID.count == 500)
            let statistics = batcher.statistics
            #expect(statistics.jobs == 500)
            #expect(statistics.flushes < 500, "500 concurrent enqueues took \(statistics.flushes) statements")
        }
    }

    @Test func duplicatesInOneBatchGetTheFirstJob() async throws {
        try await TestHarness.with { harness in
            let batcher = EnqueueBatcher(store: harness.queue.store, concurrentFlushes: 1)
            let key = TestHarness.uniqueName("key")
            let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await batcher.enqueue(try NewJob(ScriptedJob.self, ScriptArgs(actions: [.succeed]),
                                                             options: JobOptions(queue: harness.queueName, uniqueKey: key)))
                    }
                }
                return try await group.reduce(into: [EnqueueResult]()) { $0.append($1) }
            }
            #expect(Set(results.map(\.id)).count == 1)
            #expect(results.filter { !$0.isDuplicate }.count == 1)
            #expect(try await harness.countByState() == [.available: 1])
        }
    }

    @Test func aJobTheServerRefusesFailsAloneAndItsNeighboursArrive() async throws {
        try await TestHarness.with { harness in
            let batcher = EnqueueBatcher(store: harness.queue.store, concurrentFlushes: 1)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        // PostgreSQL's jsonb refuses the NUL escape; the JSON itself is well formed.
                        let args = index == 25 ? #"{"actions": [], "note": "\u0000"}"# : #"{"actions": ["succeed"]}"#
                        let job = try NewJob(kind: ScriptedJob.name, argsJSON: args, options: JobOptions(queue: harness.queueName))
                        do {
                            _ = try await batcher.enqueue(job)
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { !$0 }.count == 1)
            #expect(try await harness.countByState() == [.available: 49])
        }
    }
}
