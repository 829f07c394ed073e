import Foundation
import QueueEngine
import Testing
import TestSupport

/// The `queuectl` binary as an operator runs it.
@Suite(.timeLimit(.minutes(5))) struct QueueCTLTests {
    func queuectl(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        try await ChildProcess.run(ChildProcess.binDirectory + "/queuectl", arguments, environment: environment)
    }

    @Test func enqueueInspectCancelRetryAndStats() async throws {
        try await TestHarness.with { harness in
            let queue = harness.queueName
            let enqueued = try await queuectl(["enqueue", "platform.canary", "--args", #"{"sleepMS": 1}"#, "--queue", queue,
                                               "--unique-key", queue, "--tag", "cli"])
            let id = try #require(Int64(enqueued.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
            #expect(try await queuectl(["enqueue", "platform.canary", "--queue", queue, "--unique-key", queue]).contains("duplicate of job \(id)"))
            #expect(try await queuectl(["inspect", "\(id)"]).contains(#""state" : "available""#))
            #expect(try await queuectl(["stats"]).contains(queue))
            #expect(try await queuectl(["list", "--queue", queue]).contains("\(id)\tavailable"))
            #expect(try await queuectl(["cancel", "\(id)"]).contains("cancelled"))
            #expect(try await harness.job(id).state == .cancelled)
            #expect(try await queuectl(["retry", "\(id)"]).contains("available again"))
            #expect(try await harness.job(id).state == .available)
            // Scripts read JSON: every command answers it, and --database-url stands in for DATABASE_URL. The search is
            // kept to this test's queue: other jobs' arguments may hold the id's digits.
            let found = try await queuectl(["list", "--queue", queue, "--search", "\(id)", "--json"])
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(found.utf8)) as? [[String: Any]])
            #expect(listed.map { $0["id"] as? Int } == [Int(id)] && listed.first?["state"] as? String == "available")
            let databaseURL = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"])
            let stats = try await queuectl(["stats", "--json", "--database-url", databaseURL],
                                           environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [[String: Any]])
            #expect(rows.contains { $0["queue"] as? String == queue && $0["runnable"] as? Int == 1 })
            let kinds = try #require(try JSONSerialization.jsonObject(with: Data(try await queuectl(["kinds", "--json"]).utf8)) as? [[String: Any]])
            #expect(kinds.contains { $0["kind"] as? String == "platform.canary" && $0["queue"] as? String == "default" })
            let cancelled = try await queuectl(["cancel", "\(id)", "--json"])
            #expect(cancelled.contains(#""state" : "cancelled""#))
            _ = try await queuectl(["retry", "\(id)", "--json"])
            _ = try await queuectl(["pause", queue])
            #expect(try await harness.store.stats().first { $0.queue == queue }?.paused == true)
            _ = try await queuectl(["resume", queue])
            #expect(try await harness.store.stats().first { $0.queue == queue }?.paused == false)
        }
    }

    /// Operators cancel and retry by filter across workspaces; a bare command never touches every job.
    @Test func cancelAndRetryEveryJobAFilterMatches() async throws {
        try await TestHarness.with { harness in
            let queue = harness.queueName
            var ids: [Int64] = []
            for workspace in ["cli-a", "cli-a", "cli-b"] {
                let answer = try await queuectl(["enqueue", "platform.canary", "--queue", queue, "--workspace", "\(workspace)-\(queue)",
                                                 "--delay", "3600", "--json"])
                let job = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
                ids.append(Int64(try #require(job["id"] as? Int)))
            }
            let cancelled = try await queuectl(["cancel", "--queue", queue, "--workspace", "cli-a-\(queue)", "--json"])
            let bulk = try #require(try JSONSerialization.jsonObject(with: Data(cancelled.utf8)) as? [String: Any])
            #expect(bulk["count"] as? Int == 2 && bulk["more"] as? Bool == false)
            let (first, other) = (try await harness.job(ids[0]).state, try await harness.job(ids[2]).state)
            #expect(first == .cancelled && other == .available)
            #expect(try await queuectl(["retry", "--queue", queue, "--state", "cancelled"]).contains("2 jobs available again"))
            let (again, second) = (try await harness.job(ids[0]).state, try await harness.job(ids[1]).state)
            #expect(again == .available && second == .available)
            let refused = [["cancel"], ["retry"], ["cancel", "--search", ""], ["cancel", "--queue", " "],
                           ["cancel", "\(ids[0])", "--queue", queue], ["retry", "--state", "running", "--queue", queue]]
            for arguments in refused {
                do {
                    let output = try await queuectl(arguments)
                    Issue.record("queuectl \(arguments) succeeded: \(output)")
                } catch let failure as ChildProcess.CommandFailure {
                    #expect(failure.description.contains("at least one of") || failure.description.contains("not both")
                            || failure.description.contains("invalid_state"), "\(arguments): \(failure.description)")
                }
            }
        }
    }

    /// A worker running now is listed with its queues and slots, by text and by JSON.
    @Test func liveWorkersAreListed() async throws {
        try await TestHarness.with { harness in
            let probe = Probe()
            let configuration = harness.workerConfiguration(slots: 3)
            try await harness.withWorker(configuration, registry: .scripted(probe)) { _ in
                try await expectEventually { try await harness.store.workers(seenWithin: .seconds(30)).contains { $0.id == configuration.id } }
                let text = try await queuectl(["workers"])
                #expect(text.contains(configuration.id) && text.contains("\(harness.queueName)=3"))
                let workers = try #require(try JSONSerialization.jsonObject(with: Data(try await queuectl(["workers", "--json"]).utf8))
                                           as? [[String: Any]])
                let mine = try #require(workers.first { $0["id"] as? String == configuration.id })
                let slots = (mine["queues"] as? [[String: Any]])?.first { $0["queue"] as? String == harness.queueName }?["slots"] as? Int
                #expect(slots == 3 && mine["last_seen_at"] is String)
            }
        }
    }

    @Test func badInputGivesAClearMessageAndAFailingExit() async throws {
        let cases: [([String], String)] = [
            (["enqueue", "platform.canary", "--args", "[1, 2]"], "must be a JSON object"),
            (["enqueue", "platform.canary", "--max-attempts", "0"], "--max-attempts must be at least 1"),
            (["enqueue", "no.such-kind"], "unknown job kind no.such-kind"),
            (["enqueue", "platform.canary", "--args", #"{"sleepMS": "soon"}"#], "args do not fit platform.canary"),
            (["enqueue", "platform.canary", "--delay", "99999999999999"], "--delay must be from 0 to"),
            (["list", "--state", "sleeping"], "--state must be one of"),
            (["inspect", "not-a-number"], "not-a-number"),
            (["inspect", "9223372036854775000"], "job_not_found"),
            (["frobnicate"], "Unexpected argument"),
        ]
        for (arguments, message) in cases {
            do {
                let output = try await queuectl(arguments)
                Issue.record("queuectl \(arguments) succeeded: \(output)")
            } catch let failure as ChildProcess.CommandFailure {
                #expect(failure.description.contains(message), "\(arguments): \(failure.description)")
                #expect(!failure.description.contains("PSQLError"))
            }
        }
    }

    @Test func unreachableDatabaseIsNamedWithinSeconds() async throws {
        let port = try ChildProcess.freePort()
        await #expect { try await queuectl(["stats"], environment: ["DATABASE_URL": "postgres://postgres@127.0.0.1:\(port)/nowhere"]) }
            throws: { error in
                "\(error)".contains("cannot reach the database at 127.0.0.1:\(port)/nowhere")
            }
    }
}
