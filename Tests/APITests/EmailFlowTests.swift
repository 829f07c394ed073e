import Foundation
import Jobs
@testable import Platform
import Logging
import PostgresNIO
import Providers
import QueueEngine
import Testing
@testable import API

/// Lifecycle emails end to end: the API enqueues them in the transaction of the change that
/// causes them, secrets travel sealed, and the email job renders and delivers through a real SMTP
/// server (aiosmtpd), from which the test reads the link back.
@Suite(.timeLimit(.minutes(3))) struct EmailFlowTests {
    /// The email jobs enqueued for an address, oldest first: id and args.
    static func emailJobs(to address: String, template: String, on database: PostgresClient) async throws -> [(Int64, SendEmailJob.Args)] {
        let rows = try await database.query("""
            SELECT id, args::text FROM queue_jobs WHERE kind = 'email.send' AND args->'to'->>'address' = \(address)
              AND args->>'template' = \(template) ORDER BY id
            """)
        var jobs: [(Int64, SendEmailJob.Args)] = []
        for try await (id, args) in rows.decode((Int64, String).self) {
            jobs.append((id, try JSONDecoder().decode(SendEmailJob.Args.self, from: Data(args.utf8))))
        }
        return jobs
    }

    static func mailService(_ sink: SMTPSink, configuration: APIConfiguration) throws -> MailService {
        let mail = MailConfiguration(from: EmailAddress("no-reply@voicepartner.test", name: "VoicePartnerAI"),
                                     appURL: "https://app.voicepartner.test")
        return MailService(configuration: mail, templates: try EmailTemplates.load(folder: mail.templatesFolder, globals: mail.globals),
                           mailer: FailoverMailer(providers: [SMTPMailer(configuration: sink.configuration())]), sealer: configuration.sealer)
    }

    static func run(_ job: SendEmailHandler, _ id: Int64, _ args: SendEmailJob.Args, attempt: Int = 1) async throws -> JobOutcome {
        try await job.run(args, context: JobContext(jobID: id, kind: SendEmailJob.name, queue: "email", attempt: attempt, maxAttempts: 10,
                                                    workspaceID: nil, logger: APIHarness.logger, progressReporter: { _, _ in }))
    }

    static let app = ["APP_URL": "https://app.voicepartner.test"]

    @Test func aResetLinkArrivesByEmailWorksOnceAndSignsOutEverySession() async throws {
        try await APIHarness.with(Self.app) { api in
            let sink = try await SMTPSink.start()
            let user = try await api.register("reset")
            let asked = try await api.call(.post, "/auth/forgot-password", json: .object(["email": .string(user.email.uppercased())]))
            #expect(asked.status == .accepted)

            let jobs = try await Self.emailJobs(to: user.email, template: "password_reset", on: api.database)
            let (jobID, args) = try #require(jobs.first)
            #expect(jobs.count == 1)
            #expect(args.variables["reset_url"] == nil, "the link is sealed, not readable in the jobs table")
            #expect(args.sealedVariables != nil)

            let job = SendEmailHandler(client: api.database, mail: try Self.mailService(sink, configuration: api.services.configuration))
            #expect(try await Self.run(job, jobID, args) != .discard(reason: ""))
            let delivery = try #require(sink.deliveries.first)
            #expect(delivery.to == user.email)
            #expect(delivery.subject == "Reset your VoicePartnerAI password")
            #expect(delivery.messageID == "<job-\(jobID)@voicepartner.test>")
            let link = try #require(delivery.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("https://app.voicepartner.test/reset-password?token=") })
            let token = String(link.dropFirst("https://app.voicepartner.test/reset-password?token=".count))

            let weak = try await api.call(.post, "/auth/reset-password", json: .object(["token": .string(token), "password": .string("short")]))
            #expect(weak.status == .unprocessableContent, "a weak password does not spend the token")
            let reset = try await api.call(.post, "/auth/reset-password",
                                           json: .object(["token": .string(token), "password": .string("a brand new passphrase")]))
            #expect(reset.status == .noContent, "\(reset.body.text)")
            let again = try await api.call(.post, "/auth/reset-password",
                                           json: .object(["token": .string(token), "password": .string("yet another passphrase")]))
            #expect(again.status == .badRequest)
            #expect(again["error"]?["code"]?.string == "invalid_token", "\(again.body.text)")

            let old = try await api.call(.post, "/auth/login", json: .object(["email": .string(user.email), "password": .string(user.password)]))
            #expect(old.status == .unauthorized)
            let new = try await api.call(.post, "/auth/login",
                                         json: .object(["email": .string(user.email), "password": .string("a brand new passphrase")]))
            #expect(new.status == .ok)
            let refresh = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(user.refreshToken)]))
            #expect(refresh.status == .unauthorized, "sessions from before the reset are signed out")
            #expect(try await api.call(.get, "/api/workspaces", as: user.bearer).status == .unauthorized, "and so are their access tokens")
            #expect(try await api.call(.get, "/api/workspaces", as: .bearer(try #require(new["access_token"]?.string))).status == .ok)
        }
    }

    @Test func unknownAddressesGetTheSameAnswerAndNoEmail() async throws {
        try await APIHarness.with { api in
            let address = "nobody-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let asked = try await api.call(.post, "/auth/forgot-password", json: .object(["email": .string(address)]))
            #expect(asked.status == .accepted)
            #expect(try await Self.emailJobs(to: address, template: "password_reset", on: api.database).isEmpty)
            let forged = try await api.call(.post, "/auth/reset-password",
                                            json: .object(["token": .string("not-a-token"), "password": .string("a brand new passphrase")]))
            #expect(forged.status == .badRequest)
        }
    }

    @Test func resetRequestsPerAccountAreRateLimited() async throws {
        try await APIHarness.with(["RATE_LIMIT_LOGIN": "fixed:2/900s"]) { api in
            let user = try await api.register("limited")
            for _ in 0..<2 {
                #expect(try await api.call(.post, "/auth/forgot-password", json: .object(["email": .string(user.email)])).status == .accepted)
            }
            let third = try await api.call(.post, "/auth/forgot-password", json: .object(["email": .string(user.email)]))
            #expect(third.status == .tooManyRequests)
            #expect(try await Self.emailJobs(to: user.email, template: "password_reset", on: api.database).count == 2)
        }
    }

    @Test func registrationAndInvitesEnqueueTheirEmails() async throws {
        try await APIHarness.with(Self.app) { api in
            let sink = try await SMTPSink.start()
            let owner = try await api.register("owner")
            let welcome = try #require(try await Self.emailJobs(to: owner.email, template: "welcome", on: api.database).first)
            let workspace = try await api.createWorkspace(owner, name: "Invite <Test> & Co")
            let invitee = "invitee-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let invited = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/members",
                                             json: .object(["email": .string(invitee), "role": .string("member")]), as: owner.bearer)
            #expect(invited.status == .created)
            let invite = try #require(try await Self.emailJobs(to: invitee, template: "team_invite", on: api.database).first)
            #expect(invite.1.workspaceID == workspace)
            #expect(invite.1.variables["accept_url"] == nil)

            let job = SendEmailHandler(client: api.database, mail: try Self.mailService(sink, configuration: api.services.configuration))
            _ = try await Self.run(job, welcome.0, welcome.1)
            _ = try await Self.run(job, invite.0, invite.1)
            let deliveries = sink.deliveries
            try #require(deliveries.count == 2)
            #expect(deliveries[0].subject == "Welcome to VoicePartnerAI, owner")
            #expect(deliveries[1].subject == "owner Test invited you to Invite <Test> & Co on VoicePartnerAI")
            let token = try #require(invited["token"]?.string)
            #expect(deliveries[1].text.contains("https://app.voicepartner.test/invites/accept?token=\(token)"))
            #expect(deliveries[1].data.contains("Content-Type: text/html"))
        }
    }

    @Test func aRejectedAddressIsSuppressedAndNotMailedAgain() async throws {
        try await APIHarness.with { api in
            let sink = try await SMTPSink.start()
            let address = "bounce-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let args = try SendEmailJob.Args(WelcomeEmail(firstName: "B", email: address), to: EmailAddress(address))
            let job = SendEmailHandler(client: api.database, mail: try Self.mailService(sink, configuration: api.services.configuration))
            guard case .discard(let reason) = try await Self.run(job, 1, args) else {
                Issue.record("a permanent rejection ends the job")
                return
            }
            #expect(reason.contains("rejected"))
            guard case .discard(let second) = try await Self.run(job, 2, args) else {
                Issue.record("a suppressed address is not mailed")
                return
            }
            #expect(second.contains("is not mailed"))
            #expect(sink.deliveries.isEmpty)
        }
    }
}
