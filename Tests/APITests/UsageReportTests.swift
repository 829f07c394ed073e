import Foundation
import Jobs
@testable import Platform
import PostgresNIO
import QueueEngine
import Testing
@testable import API

/// The usage report over yesterday's real rows: mailed once to Owners and Admins with the right
/// figures, never to a workspace without activity, never twice for one period.
@Suite(.timeLimit(.minutes(3))) struct UsageReportTests {
    static func run(_ api: APIHarness, workspace: UUID) async throws {
        let outcome = try await UsageReportHandler(client: api.database).run(.init(periodDays: 1, workspaceID: workspace), context: JobContext(
            jobID: 0, kind: UsageReportJob.name, queue: "maintenance", attempt: 1, maxAttempts: 3, workspaceID: nil,
            logger: APIHarness.logger, progressReporter: { _, _ in }))
        guard case .success = outcome else {
            Issue.record("the report ended with \(outcome)")
            return
        }
    }

    static func reports(_ api: APIHarness, workspace: UUID) async throws -> [SendEmailJob.Args] {
        let rows = try await api.database.query("""
            SELECT args::text FROM queue_jobs WHERE kind = 'email.send' AND workspace_id = \(workspace.lowercased)
              AND args->>'template' = 'usage_report' ORDER BY id
            """)
        var found: [SendEmailJob.Args] = []
        for try await args in rows.decode(String.self) { found.append(try JSONDecoder().decode(SendEmailJob.Args.self, from: Data(args.utf8))) }
        return found
    }

    @Test func yesterdaysUsageIsReportedOnceToManagers() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("reported")
            let workspace = try await api.createWorkspace(owner, name: "Reported Co")
            let member = try await api.register("member")
            try await api.addMember(member, to: workspace, role: .member, by: owner)
            let assistant = try #require(UUID(uuidString: try await api.call(.post, "/api/assistants", json: .object([
                "name": .string("Front desk"), "system_prompt": .string("Be helpful."),
            ]), as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))["id"]?.string ?? ""))
            let idle = try await api.createWorkspace(owner, name: "Idle Co")

            try await api.database.query("""
                INSERT INTO calls (workspace_id, assistant_id, direction, to_number, from_number, status, duration_seconds, created_at)
                VALUES (\(workspace), \(assistant), 'outbound', '+4940111111', '+4940222222', 'completed', 125,
                        date_trunc('day', now()) - interval '12 hours'),
                       (\(workspace), \(assistant), 'outbound', '+4940111112', '+4940222222', 'completed', 60,
                        date_trunc('day', now()) - interval '2 days')
                """)
            try await api.database.withTransaction(logger: APIHarness.logger) { connection in
                _ = try await CreditStore.grant(workspaceID: workspace, amount: 10_000, reference: "grant-\(UUID())", description: "test",
                                                actorUserID: nil, on: connection, logger: APIHarness.logger)
                _ = try await CreditStore.debit(workspaceID: workspace, amount: 3_000, reference: "use-\(UUID())", description: "test",
                                                allowOverdraft: true, on: connection, logger: APIHarness.logger)
                try await connection.query("""
                    UPDATE credit_ledger SET created_at = date_trunc('day', now()) - interval '6 hours'
                    WHERE workspace_id = \(workspace) AND kind = 'usage'
                    """, logger: APIHarness.logger)
            }

            try await Self.run(api, workspace: workspace)
            try await Self.run(api, workspace: workspace)
            try await Self.run(api, workspace: idle)
            let reports = try await Self.reports(api, workspace: workspace)
            #expect(reports.map(\.to.address) == [owner.email], "Owners and Admins only, once")
            let variables = try #require(reports.first?.variables)
            #expect(variables["calls"] == .int(1))
            #expect(variables["call_minutes"] == .string("2.1"))
            #expect(variables["credits_used"] == .string("3.000"))
            #expect(variables["balance"] == .string("7.000"))
            #expect(variables["top_assistants"] == .list([.object(["name": .string("Front desk"), "calls": .int(1), "minutes": .string("2.1")])]))
            #expect(try await Self.reports(api, workspace: idle).isEmpty)

            let templates = try EmailTemplates.load(folder: URL(fileURLWithPath: "templates"), globals: MailConfiguration().globals)
            let rendered = try templates.render("usage_report", variables: variables)
            #expect(rendered.text.contains("Front desk: 1 calls, 2.1 minutes"))
        }
    }
}
