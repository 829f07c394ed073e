@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing
import WebhookSigning

/// Outbound webhooks against a local receiver: events emitted in the transactions of real changes
/// (a file's extraction), deliveries signed so the receiver can verify them, logged per attempt,
/// redelivered by hand; a failing receiver gets retries with growing delays until the endpoint is
/// disabled and its Owner told.
@Suite(.timeLimit(.minutes(5))) struct WebhookTests {
    static let overrides = ["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2", "WEBHOOK_RETRY_SCHEDULE": "1,2", "WEBHOOK_DISABLE_AFTER": "3",
                            "STORAGE_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("hooks-\(UUID().uuidString)").path]

    /// Runs one attempt of a delivery's job as a worker would.
    static func deliver(_ api: APIHarness, _ delivery: Int64, workspace: UUID) async throws -> JobOutcome {
        let providers = api.services.configuration.providers
        let job = DeliverWebhookHandler(client: api.database, http: providers.tools.http, sealer: providers.tools.sealer,
                                        settings: providers.webhooks)
        let context = JobContext(jobID: 1, kind: DeliverWebhookJob.name, queue: "webhooks", attempt: 1, maxAttempts: 10,
                                 workspaceID: workspace.lowercased, logger: api.logger, progressReporter: { _, _ in })
        return try await job.run(.init(deliveryID: delivery), context: context)
    }

    static func deliveryIDs(_ api: APIHarness, endpoint: String) async throws -> [Int64] {
        let rows = try await api.database.query("SELECT id FROM webhook_deliveries WHERE endpoint_id = \(UUID(uuidString: endpoint)!) ORDER BY id",
                                                logger: api.logger)
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        return ids
    }

    /// Uploads a text file and runs its extraction, which emits `file.processed`.
    static func processFile(_ api: APIHarness, _ owner: APIHarness.User, _ header: HTTPFields, text: String) async throws -> String {
        let uploaded = try await FileTests.upload(api, owner, header, name: "notes.txt", type: "text/plain", data: Data(text.utf8))
        let id = try #require(uploaded["id"]?.string, "\(uploaded.body.text)")
        _ = try await FileTests.extract(api, id)
        return id
    }

    @Test func deliveriesAreSignedLoggedAndRedelivered() async throws {
        let receiver = ToolEndpointStandIn()
        try await receiver.run { base in
            try await APIHarness.with(Self.overrides) { api in
                let owner = try await api.register("hooks")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let created = try await api.call(.post, "/api/webhooks", json: .object([
                    "url": .string("\(base)/hooks/ok"), "events": ["file.processed", "call.completed"], "description": "CRM sync",
                ]), as: owner.bearer, headers: header)
                #expect(created.status == .created, "\(created.body.text)")
                let secret = try #require(created["secret"]?.string)
                #expect(secret.hasPrefix("whsec_"))
                let endpoint = try #require(created["id"]?.string)
                let shown = try await api.call(.get, "/api/webhooks/\(endpoint)", as: owner.bearer, headers: header)
                #expect(shown["secret"] == nil && !shown.body.text.contains(secret))

                let file = try await Self.processFile(api, owner, header, text: "Quarterly numbers")
                let ids = try await Self.deliveryIDs(api, endpoint: endpoint)
                try #require(ids.count == 1, "one file.processed delivery")
                guard case .success = try await Self.deliver(api, ids[0], workspace: workspace) else { Issue.record("not delivered"); return }
                let hook = try #require(receiver.hooks.first)
                #expect(hook.headers["x-vpai-event"] == "file.processed")
                let signature = try #require(hook.headers["x-vpai-signature"])
                #expect(WebhookSignature.verify(signature, body: hook.body, secret: secret))
                #expect(!WebhookSignature.verify(signature, body: hook.body + Data(" ".utf8), secret: secret), "a changed body fails")
                #expect(!WebhookSignature.verify(signature, body: hook.body, secret: secret, now: Date().addingTimeInterval(600)), "a replay fails")
                let event = JSONValue(text: String(decoding: hook.body, as: UTF8.self))
                #expect(event["type"]?.string == "file.processed")
                #expect(event["workspace_id"]?.string == workspace.lowercased)
                #expect(event["data"]?["file_id"]?.string == file)
                #expect(event["data"]?["status"]?.string == "ready")
                #expect(hook.headers["x-vpai-event-id"] == event["id"]?.string)

                // Not subscribed: no delivery. Already delivered: a second run sends nothing.
                let logger = api.logger
                let emitted = try await api.database.withTransaction(logger: logger) { connection in
                    try await WebhookEvents.emit(.creditsLow, workspaceID: workspace, data: .object([:]), on: connection, logger: logger)
                }
                #expect(emitted == 0)
                _ = try await Self.deliver(api, ids[0], workspace: workspace)
                #expect(receiver.hooks.count == 1)

                let log = try await api.call(.get, "/api/webhooks/\(endpoint)/deliveries", as: owner.bearer, headers: header)
                let first = try #require(log["items"]?.array?.first)
                #expect(first["state"]?.string == "delivered")
                #expect(first["attempts"]?.number == 1)
                #expect(first["log"]?.array?.first?["status_code"]?.number == 204)
                #expect(first["payload"]?["data"]?["file_id"]?.string == file)

                // A redelivery is a new delivery of the same event.
                let again = try await api.call(.post, "/api/webhooks/\(endpoint)/deliveries/\(ids[0])/redeliver", as: owner.bearer, headers: header)
                #expect(again.status == .accepted, "\(again.body.text)")
                let redelivery = Int64(try #require(again["delivery_id"]?.number))
                guard case .success = try await Self.deliver(api, redelivery, workspace: workspace) else { Issue.record("redelivery failed"); return }
                #expect(receiver.hooks.count == 2)
                #expect(JSONValue(text: String(decoding: receiver.hooks[1].body, as: UTF8.self))["id"] == event["id"])
                let ping = try await api.call(.post, "/api/webhooks/\(endpoint)/ping", as: owner.bearer, headers: header)
                #expect(ping.status == .accepted)
                // Another workspace's job cannot send this workspace's delivery.
                guard case .discard = try await Self.deliver(api, Int64(try #require(ping["delivery_id"]?.number)), workspace: UUID()) else {
                    Issue.record("a foreign job must be discarded")
                    return
                }

                // A rotated secret signs from then on; the old one no longer verifies.
                let rotated = try await api.call(.post, "/api/webhooks/\(endpoint)/rotate-secret", as: owner.bearer, headers: header)
                let newSecret = try #require(rotated["secret"]?.string)
                guard case .success = try await Self.deliver(api, Int64(try #require(ping["delivery_id"]?.number)), workspace: workspace) else {
                    Issue.record("ping failed")
                    return
                }
                let pinged = try #require(receiver.hooks.last)
                #expect(pinged.headers["x-vpai-event"] == "ping")
                #expect(WebhookSignature.verify(pinged.headers["x-vpai-signature"] ?? "", body: pinged.body, secret: newSecret))
                #expect(!WebhookSignature.verify(pinged.headers["x-vpai-signature"] ?? "", body: pinged.body, secret: secret))
            }
        }
    }

    @Test func aFailingReceiverIsRetriedWithGrowingDelaysThenDisabled() async throws {
        let receiver = ToolEndpointStandIn()
        try await receiver.run { base in
            try await APIHarness.with(Self.overrides) { api in
                let owner = try await api.register("hooks-fail")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let created = try await api.call(.post, "/api/webhooks", json: .object(["url": .string("\(base)/hooks/fail"), "events": ["*"]]),
                                                 as: owner.bearer, headers: header)
                let endpoint = try #require(created["id"]?.string)
                _ = try await Self.processFile(api, owner, header, text: "first")
                _ = try await Self.processFile(api, owner, header, text: "second")
                let ids = try await Self.deliveryIDs(api, endpoint: endpoint)
                try #require(ids.count == 2)

                var delays: [Duration] = []
                for _ in 0..<2 {
                    guard case .snooze(let delay) = try await Self.deliver(api, ids[0], workspace: workspace) else {
                        Issue.record("a failed attempt waits for the next one")
                        return
                    }
                    delays.append(delay)
                }
                #expect(delays[0] >= .milliseconds(900) && delays[0] <= .milliseconds(1_100), "\(delays)")
                #expect(delays[1] >= .milliseconds(1_800) && delays[1] <= .milliseconds(2_200), "\(delays)")
                // The third failure in a row disables the endpoint and ends both deliveries.
                guard case .discard(let reason) = try await Self.deliver(api, ids[0], workspace: workspace) else {
                    Issue.record("the third failure must end the delivery")
                    return
                }
                #expect(reason.contains("disabled"))
                guard case .discard = try await Self.deliver(api, ids[1], workspace: workspace) else {
                    Issue.record("a delivery to a disabled endpoint ends")
                    return
                }
                #expect(receiver.hooks.count == 3, "the second delivery was not sent")

                let shown = try await api.call(.get, "/api/webhooks/\(endpoint)", as: owner.bearer, headers: header)
                #expect(shown["enabled"] == false)
                #expect(shown["consecutive_failures"]?.number == 3)
                #expect(shown["disabled_reason"]?.string?.contains("503") == true)
                let log = try await api.call(.get, "/api/webhooks/\(endpoint)/deliveries?state=failed", as: owner.bearer, headers: header)
                #expect(log["items"]?.array?.count == 2)
                let attempts = log["items"]?.array?.last?["log"]?.array ?? []
                #expect(attempts.compactMap { $0["status_code"]?.number } == [503, 503, 503])
                #expect(attempts.first?["response_excerpt"]?.string?.contains("maintenance") == true)

                let mails = try await api.database.query("""
                    SELECT count(*)::int FROM queue_jobs WHERE kind = 'email.send' AND args->>'template' = 'webhook_disabled'
                      AND workspace_id = \(workspace.lowercased)
                    """, logger: api.logger)
                for try await count in mails.decode(Int.self) { #expect(count == 1, "the Owner is told once") }
                #expect(try await api.call(.post, "/api/webhooks/\(endpoint)/ping", as: owner.bearer, headers: header).status == .conflict)
                let enabled = try await api.call(.put, "/api/webhooks/\(endpoint)", json: .object(["enabled": true]), as: owner.bearer,
                                                 headers: header)
                #expect(enabled["enabled"] == true)
                #expect(enabled["consecutive_failures"]?.number == 0)
                #expect(enabled["disabled_reason"] == nil || enabled["disabled_reason"] == .null)
            }
        }
    }

    @Test func endpointsAreCheckedAndScopedToTheirWorkspace() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("hooks-check")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let member = try await api.register("hooks-member")
            try await api.addMember(member, to: workspace, role: .member, by: owner)
            let viewer = try await api.register("hooks-viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let stranger = try await api.register("hooks-stranger")
            for (body, field) in [(JSONValue.object(["url": "http://127.0.0.1/hook", "events": ["*"]]), "url"),
                                  (.object(["url": "ftp://example.com/hook", "events": ["*"]]), "url"),
                                  (.object(["url": "https://example.com/hook", "events": ["call.exploded"]]), "events"),
                                  (.object(["url": "https://example.com/hook", "events": []]), "events"),
                                  (.object(["url": "https://example.com/hook"]), "events")] {
                let reply = try await api.call(.post, "/api/webhooks", json: body, as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(body.text)")
                #expect(reply["error"]?["details"]?["field"]?.string == field)
            }
            let created = try await api.call(.post, "/api/webhooks", json: .object(["url": "https://example.com/hook", "events": ["call.failed"]]),
                                             as: owner.bearer, headers: header)
            let endpoint = try #require(created["id"]?.string)
            #expect(try await api.call(.get, "/api/webhooks", as: member.bearer, headers: header)["items"]?.array?.count == 1)
            #expect(try await api.call(.post, "/api/webhooks", json: .object(["url": "https://example.com/x", "events": ["*"]]),
                                       as: member.bearer, headers: header).status == .forbidden)
            #expect(try await api.call(.get, "/api/webhooks", as: viewer.bearer, headers: header).status == .forbidden)
            #expect(try await api.call(.get, "/api/webhooks/\(endpoint)", as: stranger.bearer, headers: header).status == .notFound)
            let events = try await api.call(.get, "/api/webhooks/events", as: owner.bearer, headers: header)
            #expect(events["events"]?.array?.contains("call.completed") == true)
            let key = try await api.createKey(in: workspace, scopes: ["webhooks:read"], by: owner)
            #expect(try await api.call(.get, "/api/webhooks/\(endpoint)/deliveries", as: .apiKey(key)).status == .ok)
            #expect(try await api.call(.delete, "/api/webhooks/\(endpoint)", as: .apiKey(key)).status == .forbidden)
            #expect(try await api.call(.delete, "/api/webhooks/\(endpoint)", as: owner.bearer, headers: header).status == .noContent)
        }
    }

    @Test func discardedJobsBecomeOneEventEach() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("hooks-discard")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let created = try await api.call(.post, "/api/webhooks",
                                             json: .object(["url": "https://hooks.example.com/discards", "events": ["job.discarded"]]),
                                             as: owner.bearer, headers: header)
            let endpoint = try #require(created["id"]?.string)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            var jobs: [Int64] = []
            for _ in 0..<2 {
                let reply = try await api.call(.post, "/api/jobs",
                                               json: .object(["kind": "platform.canary", "args": .object(["sleepMS": 1])]), as: .apiKey(key))
                jobs.append(Int64(try #require(reply["id"]?.number)))
            }
            // A ping's delivery job discarded too: webhook deliveries never become events themselves.
            let ping = try await api.call(.post, "/api/webhooks/\(endpoint)/ping", as: owner.bearer, headers: header)
            jobs.append(Int64(try #require(ping["job_id"]?.number)))
            try await api.database.query("""
                UPDATE queue_jobs SET state = 'discarded', attempt = 1, finished_at = now(),
                       errors = '[{"attempt": 1, "at": "2026-11-26T00:00:00Z", "error": "boom"}]'
                WHERE id = ANY(\(jobs))
                """, logger: api.logger)
            let sweep = DiscardedJobEventsHandler(client: api.database)
            let context = JobContext(jobID: 1, kind: DiscardedJobEventsJob.name, queue: "maintenance", attempt: 1, maxAttempts: 3, workspaceID: nil,
                                     logger: api.logger, progressReporter: { _, _ in })
            _ = try await sweep.run(.init(settleSeconds: 0), context: context)
            _ = try await sweep.run(.init(settleSeconds: 0), context: context)
            let log = try await api.call(.get, "/api/webhooks/\(endpoint)/deliveries", as: owner.bearer, headers: header)
            let discarded = (log["items"]?.array ?? []).filter { $0["event_type"]?.string == "job.discarded" }
            #expect(discarded.count == 2, "one event per discarded job, none for the delivery job, none twice: \(log.body.text)")
            #expect(Set(discarded.compactMap { $0["payload"]?["data"]?["job_id"]?.number }) == Set(jobs.prefix(2).map(Double.init)))
            #expect(discarded.allSatisfy { $0["payload"]?["data"]?["error"]?.string == "boom"
                                               && $0["payload"]?["data"]?["kind"]?.string == "platform.canary" })
        }
    }
}
