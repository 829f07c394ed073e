@testable import API
import Foundation
import HTTPTypes
@testable import Platform
import Jobs
import PostgresNIO
import Providers
import QueueEngine
import ServerSupport
import Testing
import TestSupport

/// Bulk campaigns: created through the API with their recipients and fan-out job in one
/// transaction, sent in chunks by real worker processes to a real SMTP server, and counted there.
@Suite(.timeLimit(.minutes(5))) struct CampaignTests {
    static let templateBody: JSONValue = .object([
        "subject": .string("News for {{name}}"), "text": .string("Hello {{name}}, {{headline}}. Leave: {{unsubscribe_url}}"),
        "html": .string("<p>Hello {{name}}, {{headline}}.</p>"),
    ])

    /// Stores a workspace template called `news` (a campaign template the workspace owns).
    static func addTemplate(_ api: APIHarness, workspace: UUID) async throws {
        try await api.database.query("""
            INSERT INTO email_templates (workspace_id, name, subject, text_body, html_body)
            VALUES (\(workspace), 'news', 'News for {{name}}', 'Hello {{name}}, {{headline}}. Leave: {{unsubscribe_url}}',
                    '<p>Hello {{name}}, {{headline}}.</p>')
            """)
    }

    static func campaign(_ api: APIHarness, _ owner: APIHarness.User, workspace: UUID, _ body: JSONValue) async throws -> APIHarness.Reply {
        try await api.call(.post, "/api/email/campaigns", json: body, as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))
    }

    @Test func creationIsValidatedBeforeAnythingIsStored() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("campaigner")
            let workspace = try await api.createWorkspace(owner)
            try await Self.addTemplate(api, workspace: workspace)
            let recipients: JSONValue = .array([.object(["email": .string("a@example.com")])])
            let cases: [(JSONValue, String)] = [
                (.object(["name": .string("x"), "template": .string("nope"), "recipients": recipients]), "template"),
                (.object(["name": .string("x"), "template": .string("news"), "recipients": recipients]), "variables"),
                (.object(["name": .string("x"), "template": .string("news"), "variables": .object(["headline": .string("h")])]), "recipients"),
                (.object(["name": .string("x"), "template": .string("news"), "variables": .object(["headline": .string("h")]),
                          "recipients": .array([.object(["email": .string("not an address")])])]), "recipients[0].email"),
                (.object(["name": .string("x"), "template": .string("news"), "variables": .object(["headline": .string("h")]),
                          "recipients": recipients, "segment": .object([:])]), "recipients"),
            ]
            for (body, field) in cases {
                let reply = try await Self.campaign(api, owner, workspace: workspace, body)
                #expect(reply.status == .unprocessableContent, "\(reply.body.text)")
                #expect(reply["error"]?["details"]?["field"]?.string == field, "\(reply.body.text)")
            }
            let stored = try await api.database.query("SELECT count(*)::int FROM email_campaigns WHERE workspace_id = \(workspace)")
            for try await count in stored.decode(Int.self) { #expect(count == 0) }

            let viewer = try await api.register("viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let refused = try await Self.campaign(api, viewer, workspace: workspace, .object([
                "name": .string("x"), "template": .string("news"), "variables": .object(["headline": .string("h")]), "recipients": recipients]))
            #expect(refused.status == .forbidden)
        }
    }

    @Test func chunksSkipSuppressedAddressesRecordBouncesAndFinishTheCampaign() async throws {
        try await APIHarness.with(["CAMPAIGN_CHUNK_SIZE": "3"]) { api in
            let sink = try await SMTPSink.start(tls: false, auth: false)
            let owner = try await api.register("chunks")
            let workspace = try await api.createWorkspace(owner)
            try await Self.addTemplate(api, workspace: workspace)
            let tag = UUID().uuidString.prefix(8).lowercased()
            let unsubscribed = "gone-\(tag)@example.com"
            try await api.database.withConnection { connection in
                try await EmailStore.unsubscribe(unsubscribed, workspaceID: workspace, on: connection, logger: APIHarness.logger)
            }
            let addresses = ["a-\(tag)@example.com", "bounce-\(tag)@example.com", unsubscribed, "b-\(tag)@example.com", "A-\(tag)@example.com"]
            let created = try await Self.campaign(api, owner, workspace: workspace, .object([
                "name": .string("Launch"), "template": .string("news"), "variables": .object(["headline": .string("we launched")]),
                "recipients": .array(addresses.map { .object(["email": .string($0), "name": .string("N \($0.prefix(1))")]) }),
            ]))
            #expect(created.status == .accepted, "\(created.body.text)")
            #expect(created["total"]?.number == 4, "the duplicate address (other case) is dropped")
            #expect(created["chunks"]?.number == 2)
            let id = try #require(UUID(uuidString: created["id"]?.string ?? ""))

            let mail = MailService(configuration: MailConfiguration(campaigns: CampaignSettings(chunkSize: 3, ratePerWorkspace: 1_000)),
                                   templates: try EmailTemplates.load(folder: URL(fileURLWithPath: "templates"),
                                                                      globals: MailConfiguration().globals),
                                   mailer: FailoverMailer(providers: [SMTPMailer(configuration: SMTPConfiguration(
                                       host: "127.0.0.1", port: sink.port, security: .none))]),
                                   sealer: api.services.configuration.sealer)
            let chunkJob = CampaignChunkHandler(client: api.database, mail: mail)
            func context(_ id: Int64) -> JobContext {
                JobContext(jobID: id, kind: CampaignChunkJob.name, queue: "email", attempt: 1, maxAttempts: 8, workspaceID: nil,
                           logger: APIHarness.logger, progressReporter: { _, _ in })
            }
            _ = try await chunkJob.run(.init(campaignID: id, chunk: 0), context: context(1))
            var progress = try await api.call(.get, "/api/email/campaigns/\(id.lowercased)", as: owner.bearer,
                                              headers: APIHarness.workspaceHeader(workspace))
            #expect(progress["state"]?.string == "sending")
            #expect(progress["progress"]?.number == 75)
            _ = try await chunkJob.run(.init(campaignID: id, chunk: 1), context: context(2))
            // A retried chunk finds nobody left to send.
            _ = try await chunkJob.run(.init(campaignID: id, chunk: 0), context: context(3))
            progress = try await api.call(.get, "/api/email/campaigns/\(id.lowercased)", as: owner.bearer,
                                          headers: APIHarness.workspaceHeader(workspace))
            #expect(progress["state"]?.string == "completed")
            #expect(progress["progress"]?.number == 100)
            #expect(progress["counts"]?["sent"]?.number == 2)
            #expect(progress["counts"]?["bounced"]?.number == 1)
            #expect(progress["counts"]?["skipped"]?.number == 1)
            let delivered = sink.deliveries
            #expect(Set(delivered.map(\.to)) == ["a-\(tag)@example.com", "b-\(tag)@example.com"])
            #expect(delivered.count == 2)
            let first = try #require(delivered.first)
            #expect(first.subject == "News for N a")
            #expect(first.data.contains("List-Unsubscribe: <http://127.0.0.1:8080/unsubscribe?token="))
            #expect(first.text.contains("Hello N a, we launched."))

            let cancelled = try await api.call(.post, "/api/email/campaigns/\(id.lowercased)/cancel", as: owner.bearer,
                                               headers: APIHarness.workspaceHeader(workspace))
            #expect(cancelled.status == .conflict)

            // The List-Unsubscribe link: a GET shows a page, the POST (one-click) records it.
            let header = try #require(first.data.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") })
            let link = String(header.dropFirst("List-Unsubscribe: <http://127.0.0.1:8080".count).dropLast())
            #expect(link.hasPrefix("/unsubscribe?token="))
            let page = try await api.call(.get, link)
            #expect(page.status == .ok)
            func suppressions() async throws -> [String: String] {
                try await api.database.withConnection { connection in
                    try await EmailStore.suppressions(of: [first.to], workspaceID: workspace, on: connection, logger: APIHarness.logger)
                }
            }
            #expect(try await suppressions().isEmpty, "a GET unsubscribes nobody")
            #expect(try await api.call(.post, link).status == .ok)
            #expect(try await suppressions()[first.to.lowercased()] == "unsubscribed")
            #expect(try await api.call(.post, "/unsubscribe?token=forged").status == .badRequest)
        }
    }

    /// Through SendGrid a chunk of 1,200 goes out as two requests (1,000 personalizations, then
    /// 200), rendered once with tokens; every recipient still gets its own name and unsubscribe
    /// link, and the workspace's pace is shared through PostgreSQL.
    @Test func aChunkGoesToSendGridInBatchesOfAThousand() async throws {
        try await APIHarness.with(["CAMPAIGN_CHUNK_SIZE": "1200"]) { api in
            let owner = try await api.register("batches")
            let workspace = try await api.createWorkspace(owner)
            try await Self.addTemplate(api, workspace: workspace)
            let tag = UUID().uuidString.prefix(8).lowercased()
            var recipients: [JSONValue] = (0..<1_199).map {
                .object(["email": .string("r\($0)-\(tag)@example.com"), "name": .string("R\($0)"), "variables": .object(["vip": .bool($0 == 7)])])
            }
            recipients.append(.object(["email": .string("esc-\(tag)@example.com"), "name": .string("<b>Bo</b> & co")]))
            let created = try await Self.campaign(api, owner, workspace: workspace, .object([
                "name": .string("Big"), "template": .string("news"), "variables": .object(["headline": .string("hello")]),
                "recipients": .array(recipients),
            ]))
            #expect(created.status == .accepted, "\(created.body.text)")
            #expect(created["chunks"]?.number == 1)
            let id = try #require(UUID(uuidString: created["id"]?.string ?? ""))
            let sealer = try #require(api.services.configuration.sealer)
            let standIn = SendGridStandIn()
            try await standIn.run { base in
                let mail = MailService(
                    configuration: MailConfiguration(from: EmailAddress("news@voicepartner.test"),
                                                     campaigns: CampaignSettings(chunkSize: 1_200, ratePerWorkspace: 100_000)),
                    templates: try EmailTemplates.load(folder: URL(fileURLWithPath: "templates"), globals: MailConfiguration().globals),
                    mailer: FailoverMailer(providers: [SendGridMailer(configuration: SendGridConfiguration(baseURL: base,
                                                                                                           apiKey: SendGridStandIn.apiKey))]),
                    sealer: sealer).throttled(by: PostgresSendThrottle(client: api.database))
                let context = JobContext(jobID: 1, kind: CampaignChunkJob.name, queue: "email-bulk", attempt: 1, maxAttempts: 8, workspaceID: nil,
                                         logger: APIHarness.logger, progressReporter: { _, _ in })
                _ = try await CampaignChunkHandler(client: api.database, mail: mail).run(.init(campaignID: id, chunk: 0), context: context)
            }
            #expect(standIn.acceptedRequests == 2)
            #expect(Dictionary(grouping: standIn.accepted, by: \.request).mapValues(\.count) == [1: 1_000, 2: 200])
            let byAddress = Dictionary(uniqueKeysWithValues: standIn.accepted.map { ($0.to.first ?? "", $0) })
            #expect(byAddress.count == 1_200)
            let r7 = try #require(byAddress["r7-\(tag)@example.com"])
            #expect(r7.subject == "News for R7")
            #expect(r7.html?.contains("<p>Hello R7, hello.</p>") == true)
            let escaped = try #require(byAddress["esc-\(tag)@example.com"])
            #expect(escaped.subject == "News for <b>Bo</b> & co")
            #expect(escaped.html?.contains("Hello &lt;b&gt;Bo&lt;/b&gt; &amp; co, hello.") == true)
            for (address, accepted) in byAddress {
                let text = try #require(accepted.text)
                let token = try #require(text.components(separatedBy: "unsubscribe?token=").last)
                #expect(CampaignMessage.unsubscribeSubject(token: token, sealer: sealer)?.address == address.lowercased())
                #expect(accepted.headers["List-Unsubscribe"] == "<http://127.0.0.1:8080/unsubscribe?token=\(token)>")
            }
            let progress = try await api.call(.get, "/api/email/campaigns/\(id.lowercased)", as: owner.bearer,
                                              headers: APIHarness.workspaceHeader(workspace))
            #expect(progress["state"]?.string == "completed")
            #expect(progress["counts"]?["sent"]?.number == 1_200)
        }
    }

    /// Reservations on one key queue up behind each other at the rate, across every caller. The rate
    /// is one send per 100 s, so the checks hold however slowly the machine runs the calls.
    @Test func theSendThrottleSpacesReservationsAtTheRate() async throws {
        try await APIHarness.with { api in
            let throttle = PostgresSendThrottle(client: api.database)
            let key = "test:\(UUID().uuidString)"
            let rate = 0.01
            #expect(try await throttle.reserve(key, permits: 1, rate: rate) == .zero)
            let second = try await throttle.reserve(key, permits: 1, rate: rate)
            #expect(second > .seconds(80) && second <= .seconds(100), "\(second)")
            let third = try await throttle.reserve(key, permits: 2, rate: rate)
            #expect(third > .seconds(180) && third <= .seconds(200), "waits behind both earlier reservations: \(third)")
            #expect(try await throttle.reserve("test:\(UUID().uuidString)", permits: 1_000, rate: rate) == .zero, "another key is free")
        }
    }

    @Test func aSegmentOfMembersBecomesTheRecipients() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("segment")
            let workspace = try await api.createWorkspace(owner)
            let admin = try await api.register("admin")
            try await api.addMember(admin, to: workspace, role: .admin, by: owner)
            let member = try await api.register("member")
            try await api.addMember(member, to: workspace, role: .member, by: owner)
            try await Self.addTemplate(api, workspace: workspace)
            let created = try await Self.campaign(api, owner, workspace: workspace, .object([
                "name": .string("Admins"), "template": .string("news"), "variables": .object(["headline": .string("h")]),
                "segment": .object(["roles": .array([.string("owner"), .string("admin")])]),
            ]))
            #expect(created.status == .accepted, "\(created.body.text)")
            #expect(created["total"]?.number == 2)
            let id = try #require(UUID(uuidString: created["id"]?.string ?? ""))
            let rows = try await api.database.query("SELECT address FROM email_campaign_recipients WHERE campaign_id = \(id) ORDER BY address")
            var addresses: [String] = []
            for try await address in rows.decode(String.self) { addresses.append(address) }
            #expect(addresses == [admin.email, owner.email].sorted())
            let cancelled = try await api.call(.post, "/api/email/campaigns/\(id.lowercased)/cancel", as: owner.bearer,
                                               headers: APIHarness.workspaceHeader(workspace))
            #expect(cancelled["state"]?.string == "cancelled")
            #expect(cancelled["counts"]?["cancelled"]?.number == 2)
        }
    }

    /// A `Worker` process (the real binary) serving one campaign queue and mailing the sink.
    static func worker(queue: String, smtpPort: Int) throws -> ChildProcess {
        try ChildProcess(ChildProcess.binDirectory + "/Worker", environment: [
            "WORKER_QUEUES": "\(queue)=4", "CAMPAIGN_QUEUE": queue, "WORKER_LEASE_MS": "3000", "RESCUE_INTERVAL_MS": "500",
            "MAIL_PROVIDERS": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtpPort)", "SMTP_SECURITY": "none",
            "SECRETS_KEY": APIHarness.secret, "CAMPAIGN_RATE_PER_SECOND": "1000000", "CAMPAIGN_CONCURRENCY_PER_WORKSPACE": "4",
            "MIGRATE_ON_START": "false", "LOG_LEVEL": "error",
        ])
    }

    /// 10,000 recipients; the worker sending them is killed (SIGKILL) a third of the way in and a
    /// new one finishes. Counted at the SMTP server: every recipient got the campaign, and the only
    /// repeats are messages that were in flight at the kill (at most one per running chunk), each
    /// with the same Message-ID as its first delivery. Progress ends at 100%.
    @Test(.timeLimit(.minutes(5))) func aCampaignReachesEveryRecipientOnceAcrossAWorkerKill() async throws {
        let queue = "email-bulk-\(UUID().uuidString.prefix(8).lowercased())"
        try await APIHarness.with(["CAMPAIGN_QUEUE": queue, "CAMPAIGN_CHUNK_SIZE": "500", "CAMPAIGN_MAX_RECIPIENTS": "10000"]) { api in
            let sink = try await SMTPSink.start(tls: false, auth: false)
            let owner = try await api.register("bulk")
            let workspace = try await api.createWorkspace(owner)
            try await Self.addTemplate(api, workspace: workspace)
            let tag = UUID().uuidString.prefix(8).lowercased()
            let addresses = (0..<10_000).map { "r\($0)-\(tag)@example.com" }
            let created = try await Self.campaign(api, owner, workspace: workspace, .object([
                "name": .string("Ten thousand"), "template": .string("news"), "variables": .object(["headline": .string("big news")]),
                "recipients": .array(addresses.map { .object(["email": .string($0)]) }),
            ]))
            try #require(created.status == .accepted, "\(created.body.text)")
            let id = try #require(created["id"]?.string)
            let prefix = "<campaign-\(id)-"

            let first = try Self.worker(queue: queue, smtpPort: sink.port)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(120)
            let campaignID = try #require(UUID(uuidString: id))
            func sent() async throws -> Int {
                let rows = try await api.database.query(
                    "SELECT count(*)::int FROM email_campaign_recipients WHERE campaign_id = \(campaignID) AND state = 'sent'")
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            while try await sent() < 3_000 {
                try #require(clock.now < deadline, "the first worker did not get a third of the way")
                try await Task.sleep(for: .milliseconds(200))
            }
            await first.kill()
            let killedAt = try await sent()
            let second = try Self.worker(queue: queue, smtpPort: sink.port)

            var state = ""
            while state != "completed" {
                try #require(clock.now < deadline + .seconds(120), "the campaign did not complete; state \(state)")
                try await Task.sleep(for: .milliseconds(500))
                state = try await api.call(.get, "/api/email/campaigns/\(id)", as: owner.bearer,
                                           headers: APIHarness.workspaceHeader(workspace))["state"]?.string ?? ""
            }
            await second.kill()
            let progress = try await api.call(.get, "/api/email/campaigns/\(id)", as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))
            #expect(progress["progress"]?.number == 100)
            #expect(progress["counts"]?["sent"]?.number == 10_000)

            let deliveries = sink.deliveries.filter { $0.messageID.hasPrefix(prefix) }
            var byRecipient: [String: Set<String>] = [:]
            for delivery in deliveries { byRecipient[delivery.to, default: []].insert(delivery.messageID) }
            #expect(byRecipient.count == 10_000, "every recipient received the campaign")
            #expect(Set(byRecipient.keys) == Set(addresses))
            #expect(byRecipient.values.allSatisfy { $0.count == 1 }, "one distinct message per recipient")
            let repeats = deliveries.count - byRecipient.count
            #expect(repeats <= 4, "only messages in flight at the kill repeat (4 chunks ran at once); \(repeats) did")
            print("campaign kill test: killed with \(killedAt) recipients marked sent; \(deliveries.count) deliveries for 10000 recipients")
        }
    }
}
