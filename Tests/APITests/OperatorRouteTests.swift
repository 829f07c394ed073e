@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import QueueEngine
import ServerSupport
import Testing

/// The operator API: queues and workers are shared by every workspace, so only platform operators
/// read them and pause queues; a workspace's own jobs can be searched, deleted when finished and
/// run again by kind, all through the engine's calls and audited.
@Suite(.timeLimit(.minutes(2))) struct OperatorRouteTests {
    @Test func operatorsFindJobsAcrossWorkspacesAndCancelOrRetryByFilter() async throws {
        let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["PLATFORM_OPERATOR_EMAILS": operatorEmail]) { api in
            let owner = try await api.register("bulk-owner")
            let (first, second) = (try await api.createWorkspace(owner), try await api.createWorkspace(owner))
            let filter: JSONValue = ["kind": "platform.canary", "workspace_id": .string(first.lowercased)]
            for path in ["/api/admin/jobs/cancel", "/api/admin/jobs/retry"] {
                #expect(try await api.call(.post, path, json: filter, as: owner.bearer).status == .forbidden)
            }
            #expect(try await api.call(.get, "/api/admin/jobs", as: owner.bearer).status == .forbidden)
            let registered = try await api.call(.post, "/auth/register",
                                                json: ["email": .string(operatorEmail), "password": .string(APIHarness.password)])
            let operatorToken = APIHarness.Credential.bearer(try #require(registered["access_token"]?.string))

            // Jobs of two workspaces in a queue of this test's own, held back so they stay queued.
            let queue = "bulk-\(UUID().uuidString.prefix(8).lowercased())"
            let jobs = api.services.database.queue
            var firsts: [Int64] = []
            for _ in 0..<3 {
                firsts.append(try await jobs.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue, delay: .seconds(3_600),
                                                                                                  workspaceID: first.lowercased)).id)
            }
            let other = try await jobs.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue, delay: .seconds(3_600),
                                                                                            workspaceID: second.lowercased)).id

            let found = try await api.call(.get, "/api/admin/jobs?queue=\(queue)", as: operatorToken)
            #expect(found.status == .ok)
            #expect(found["items"]?.array?.compactMap { $0["id"]?.number.map(Int64.init) } == ([other] + firsts.reversed()))
            #expect(found["items"]?.array?.first?["workspace_id"]?.string == second.lowercased)
            let ofFirst = try await api.call(.get, "/api/admin/jobs?queue=\(queue)&workspace_id=\(first.lowercased)&limit=2", as: operatorToken)
            #expect(ofFirst["items"]?.array?.count == 2 && ofFirst["next_cursor"]?.string != nil)

            #expect(try await api.call(.post, "/api/admin/jobs/cancel", json: [:], as: operatorToken).status == .unprocessableContent,
                    "an empty filter never means every job")
            for blank: JSONValue in [["search": ""], ["search": "   "], ["queue": ""]] {
                #expect(try await api.call(.post, "/api/admin/jobs/cancel", json: blank, as: operatorToken).status == .unprocessableContent,
                        "\(blank.text): a blank filter never means every job")
            }
            let wrongState = try await api.call(.post, "/api/admin/jobs/cancel", json: ["state": "completed", "queue": .string(queue)],
                                                as: operatorToken)
            #expect(wrongState.status == .unprocessableContent && wrongState["error"]?["details"]?["field"]?.string == "state")
            #expect(try await api.call(.post, "/api/admin/jobs/cancel", json: ["queue": .string(queue), "color": "red"],
                                       as: operatorToken).status == .unprocessableContent)
            let cancelled = try await api.call(.post, "/api/admin/jobs/cancel",
                                               json: ["queue": .string(queue), "workspace_id": .string(first.lowercased)], as: operatorToken)
            #expect(cancelled.status == .ok && cancelled["count"] == 3 && cancelled["more"] == .bool(false))
            for id in firsts { #expect(try await jobs.store.job(id: id).state == .cancelled) }
            #expect(try await jobs.store.job(id: other).state == .available, "the other workspace's job is untouched")

            let retried = try await api.call(.post, "/api/admin/jobs/retry", json: ["queue": .string(queue), "state": "cancelled"], as: operatorToken)
            #expect(retried.status == .ok && retried["count"] == 3)
            for id in firsts { #expect(try await jobs.store.job(id: id).state == .available) }

            let audit = try await api.database.query("""
                SELECT action, details->>'count', details->>'queue' FROM audit_log
                WHERE action IN ('jobs.cancel_matching', 'jobs.retry_matching') AND details->>'queue' = \(queue) ORDER BY id
                """)
            var entries: [String] = []
            for try await (action, count, _) in audit.decode((String, String?, String?).self) { entries.append("\(action) \(count ?? "")") }
            #expect(entries == ["jobs.cancel_matching 3", "jobs.retry_matching 3"])
        }
    }

    @Test func onlyOperatorsSeeQueuesAndWorkersAndPauseQueues() async throws {
        let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["PLATFORM_OPERATOR_EMAILS": operatorEmail]) { api in
            let owner = try await api.register("queues-owner")
            #expect(try await api.call(.get, "/api/admin/queues", as: owner.bearer).status == .forbidden)
            #expect(try await api.call(.get, "/api/admin/workers", as: owner.bearer).status == .forbidden)
            #expect(try await api.call(.post, "/api/admin/queues/x/pause", as: owner.bearer).status == .forbidden)
            #expect(try await api.call(.get, "/api/admin/queues").status == .unauthorized)
            let registered = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(operatorEmail), "password": .string(APIHarness.password),
            ]))
            let operatorToken = APIHarness.Credential.bearer(try #require(registered["access_token"]?.string))

            let queue = "ops-\(UUID().uuidString.prefix(8).lowercased())"
            _ = try await api.services.database.queue.enqueue(CanaryJob.self, .init(), options: JobOptions(queue: queue))
            #expect(try await api.call(.post, "/api/admin/queues/\(queue)/pause", as: operatorToken).status == .noContent)
            let queues = try await api.call(.get, "/api/admin/queues", as: operatorToken)
            #expect(queues.status == .ok)
            let row = try #require(queues["items"]?.array?.first { $0["queue"]?.string == queue })
            #expect(row["ready"]?.number == 1)
            #expect(row["paused"] == .bool(true))
            #expect(queues["activity"]?.array != nil)
            #expect(try await api.call(.post, "/api/admin/queues/\(queue)/resume", as: operatorToken).status == .noContent)
            let resumed = try await api.call(.get, "/api/admin/queues", as: operatorToken)
            #expect(resumed["items"]?.array?.first { $0["queue"]?.string == queue }?["paused"] == .bool(false))

            // A worker serving the queue is listed while it runs.
            var configuration = WorkerConfiguration(id: "ops-worker-\(queue)", queues: [queue: 2])
            configuration.pollInterval = .milliseconds(100)
            let worker = Worker(configuration: configuration, store: api.services.database.queue.store,
                                registry: PlatformJobs.registry(store: api.services.database.queue.store),
                                subscriber: nil, logger: APIHarness.logger)
            let running = Task { try await worker.run() }
            var listed = false
            for _ in 0..<600 where !listed {
                let workers = try await api.call(.get, "/api/admin/workers", as: operatorToken)
                listed = workers["items"]?.array?.contains { $0["id"]?.string == configuration.id && $0["queues"]?[queue]?.number == 2 } == true
                if !listed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(listed)
            worker.stop()
            try await running.value

            let audit = try await api.database.query("""
                SELECT action FROM audit_log WHERE resource_type = 'queue' AND resource_id = \(queue) ORDER BY id
                """)
            var actions: [String] = []
            for try await action in audit.decode(String.self) { actions.append(action) }
            #expect(actions == ["queue.pause", "queue.resume"])
        }
    }

    @Test func aWorkspaceSearchesDeletesAndRetriesItsOwnJobs() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("jobs-owner")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let viewer = try await api.register("jobs-viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let tenant = workspace.lowercased
            let queue = "ops-\(UUID().uuidString.prefix(8).lowercased())"
            func job(_ args: String) async throws -> Int64 {
                try await api.services.database.queue.enqueue(try NewJob(kind: CanaryJob.name, argsJSON: args,
                                                                options: JobOptions(queue: queue, workspaceID: tenant))).id
            }
            let needle = try await job(#"{"sleepMS": 1, "note": "find-me-please"}"#)
            let plain = try await job(#"{"sleepMS": 2}"#)
            let found = try await api.call(.get, "/api/jobs?search=FIND-ME", as: owner.bearer, headers: header)
            #expect(found["items"]?.array?.compactMap { $0["id"]?.number }.map { Int64($0) } == [needle])

            // Finished jobs only are deleted; viewers cannot.
            #expect(try await api.call(.delete, "/api/jobs/\(plain)", as: owner.bearer, headers: header).status == .conflict)
            try await api.services.database.queue.cancel(id: plain, workspaceID: tenant)
            #expect(try await api.call(.delete, "/api/jobs/\(plain)", as: viewer.bearer, headers: header).status == .forbidden)
            #expect(try await api.call(.delete, "/api/jobs/\(plain)", as: owner.bearer, headers: header).status == .noContent)
            #expect(try await api.call(.get, "/api/jobs/\(plain)", as: owner.bearer, headers: header).status == .notFound)

            // Discarded jobs of a kind run again.
            try await api.database.query("""
                UPDATE queue_jobs SET state = 'discarded', finished_at = now(), attempt = max_attempts WHERE id = \(needle)
                """)
            let retried = try await api.call(.post, "/api/jobs/retry-discarded", json: .object(["kind": .string(CanaryJob.name)]),
                                             as: owner.bearer, headers: header)
            #expect(retried.status == .ok, "\(retried.body.text)")
            #expect(retried["retried"]?.number == 1)
            #expect(try await api.call(.get, "/api/jobs/\(needle)", as: owner.bearer, headers: header)["state"]?.string == "available")
            #expect(try await api.call(.post, "/api/jobs/retry-discarded", json: .object(["kind": .string(CanaryJob.name)]),
                                       as: viewer.bearer, headers: header).status == .forbidden)

            let activity = try await api.call(.get, "/api/jobs/activity", as: viewer.bearer, headers: header)
            #expect(activity.status == .ok)
            #expect(activity["minutes"]?.array?.isEmpty == true, "the cancelled job was deleted; nothing else finished")
        }
    }
}
