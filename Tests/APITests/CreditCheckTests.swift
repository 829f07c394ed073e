import Foundation
import Jobs
@testable import Platform
import PostgresNIO
import QueueEngine
import Testing
@testable import API

/// The credit check against the real ledger: one warning email per threshold crossing to each
/// Owner and Admin, however often it runs; a new grant rearms the thresholds; an unusual hour of
/// spend alerts once.
@Suite(.timeLimit(.minutes(3))) struct CreditCheckTests {
    static func run(_ api: APIHarness, _ args: CreditCheckJob.Args = .init()) async throws {
        let outcome = try await CreditCheckHandler(client: api.database).run(args, context: JobContext(
            jobID: 0, kind: CreditCheckJob.name, queue: "maintenance", attempt: 1, maxAttempts: 3, workspaceID: nil,
            logger: APIHarness.logger, progressReporter: { _, _ in }))
        guard case .success = outcome else {
            Issue.record("the credit check ended with \(outcome)")
            return
        }
    }

    /// The warning emails enqueued for the workspace: (recipient, threshold_percent, depleted).
    static func warnings(_ api: APIHarness, workspace: UUID, template: String = "credit_warning") async throws -> [(String, Int, Bool)] {
        let rows = try await api.database.query("""
            SELECT args->'to'->>'address', coalesce((args->'variables'->>'threshold_percent')::int, -1),
                   coalesce((args->'variables'->>'depleted')::boolean, false)
            FROM queue_jobs WHERE kind = 'email.send' AND workspace_id = \(workspace.lowercased) AND args->>'template' = \(template)
            ORDER BY id
            """)
        var found: [(String, Int, Bool)] = []
        for try await row in rows.decode((String, Int, Bool).self) { found.append(row) }
        return found
    }

    static func ledger(_ api: APIHarness, workspace: UUID, grant: Int64 = 0, debit: Int64 = 0) async throws {
        try await api.database.withTransaction(logger: APIHarness.logger) { connection in
            if grant > 0 {
                _ = try await CreditStore.grant(workspaceID: workspace, amount: grant, reference: "grant-\(UUID())", description: "test",
                                                actorUserID: nil, on: connection, logger: APIHarness.logger)
            }
            if debit > 0 {
                _ = try await CreditStore.debit(workspaceID: workspace, amount: debit, reference: "use-\(UUID())", description: "test",
                                                allowOverdraft: true, on: connection, logger: APIHarness.logger)
            }
        }
    }

    @Test func eachThresholdCrossingIsMailedOnceToOwnersAndAdmins() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("owner")
            let workspace = try await api.createWorkspace(owner, name: "Credit Check Co")
            let admin = try await api.register("admin")
            try await api.addMember(admin, to: workspace, role: .admin, by: owner)
            let member = try await api.register("member")
            try await api.addMember(member, to: workspace, role: .member, by: owner)
            let managers = Set([owner.email, admin.email])
            // A high usage minimum keeps this test's spending out of the usage alert.
            let args = CreditCheckJob.Args(usageMinimum: 1 << 40)

            try await Self.ledger(api, workspace: workspace, grant: 100_000)
            try await Self.run(api, args)
            #expect(try await Self.warnings(api, workspace: workspace).isEmpty)

            try await Self.ledger(api, workspace: workspace, debit: 85_000)
            try await Self.run(api, args)
            try await Self.run(api, args)
            var warnings = try await Self.warnings(api, workspace: workspace)
            #expect(warnings.count == 2)
            #expect(Set(warnings.map(\.0)) == managers)
            #expect(warnings.allSatisfy { $0.1 == 20 && !$0.2 })

            try await Self.ledger(api, workspace: workspace, debit: 12_000)
            try await Self.run(api, args)
            try await Self.ledger(api, workspace: workspace, debit: 4_000)
            try await Self.run(api, args)
            try await Self.run(api, args)
            warnings = try await Self.warnings(api, workspace: workspace)
            #expect(warnings.map(\.1) == [20, 20, 5, 5, 0, 0])
            #expect(warnings.suffix(2).allSatisfy { $0.2 }, "the last warning says the credits are used up")

            // A new grant sets a new allowance: the thresholds count again.
            try await Self.ledger(api, workspace: workspace, grant: 51_000)
            try await Self.ledger(api, workspace: workspace, debit: 45_000)
            try await Self.run(api, args)
            warnings = try await Self.warnings(api, workspace: workspace)
            #expect(warnings.map(\.1) == [20, 20, 5, 5, 0, 0, 20, 20])
        }
    }

    @Test func anUnusualHourOfSpendAlertsOnce() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("spender")
            let workspace = try await api.createWorkspace(owner, name: "Spiky")
            try await Self.ledger(api, workspace: workspace, grant: 10_000_000)
            try await Self.ledger(api, workspace: workspace, debit: 250_000)
            try await Self.run(api)
            try await Self.run(api)
            let alerts = try await Self.warnings(api, workspace: workspace, template: "usage_alert")
            #expect(alerts.map(\.0) == [owner.email])
        }
    }
}
