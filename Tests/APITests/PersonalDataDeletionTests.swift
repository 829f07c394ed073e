import Foundation
import HTTPTypes
import Jobs
@testable import Platform
import PostgresNIO
import QueueEngine
import Testing
@testable import API

/// Account deletion against the real schema: every table with a user or address column is
/// covered (checked against the catalog), a deletion stopped midway and run again leaves no
/// personal row, and a third run changes nothing.
@Suite(.timeLimit(.minutes(3))) struct PersonalDataDeletionTests {
    /// Every column of the schema that names a user or holds an address.
    static func personalColumns(_ api: APIHarness) async throws -> Set<String> {
        let rows = try await api.database.query("""
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND (column_name IN ('user_id', 'created_by', 'actor_user_id', 'invited_by', 'updated_by', 'address')
                  OR column_name LIKE '%email%' OR (table_name = 'users' AND column_name = 'id'))
            """)
        var columns = Set<String>()
        for try await column in rows.decode(String.self) { columns.insert(column) }
        return columns
    }

    @Test func everyTableWithAUserOrAddressColumnIsHandled() async throws {
        try await APIHarness.with { api in
            let catalog = try await Self.personalColumns(api)
            let covered = PersonalDataDeletion.handledColumns.union(PersonalDataDeletion.keptColumns)
            #expect(catalog.subtracting(covered).isEmpty, "not handled by the deletion: \(catalog.subtracting(covered).sorted())")
            #expect(covered.subtracting(catalog).isEmpty, "handled but not in the schema: \(covered.subtracting(catalog).sorted())")
        }
    }

    static func run(_ api: APIHarness, _ request: UUID, batchSize: Int, maxBatches: Int? = nil) async throws -> JobOutcome {
        try await GDPRDeletionHandler(client: api.database, storage: api.services.configuration.providers.storage).run(
            .init(requestID: request, batchSize: batchSize, maxBatches: maxBatches),
            context: JobContext(jobID: 0, kind: GDPRDeletionJob.name, queue: "gdpr", attempt: 1, maxAttempts: 10, workspaceID: nil,
                                logger: APIHarness.logger, progressReporter: { _, _ in }))
    }

    /// Rows still naming the user or their address, per column.
    static func remaining(_ api: APIHarness, user: UUID, email: String) async throws -> [String: Int] {
        var found: [String: Int] = [:]
        for column in PersonalDataDeletion.handledColumns.sorted() {
            let parts = column.split(separator: ".")
            let (table, name) = (String(parts[0]), String(parts[1]))
            let rows = try await api.database.query(PostgresQuery(unsafeSQL: """
                SELECT count(*)::int FROM \(table) WHERE \(name)::text = $1 OR lower(\(name)::text) = lower($2)
                """, binds: try { var binds = PostgresBindings(); binds.append(user.uuidString.lowercased()); binds.append(email); return binds }()))
            for try await count in rows.decode(Int.self) where count > 0 { found[column] = count }
        }
        return found
    }

    @Test func aDeletionStoppedMidwayAndRunAgainLeavesNoPersonalRow() async throws {
        try await APIHarness.with(["GDPR_DELETION_GRACE_HOURS": "0", "STORAGE_DIR": PersonalDataExportTests.storage]) { api in
            let leaving = try await api.register("leaving")
            let partner = try await api.register("partner")
            let solo = try await api.createWorkspace(leaving, name: "Solo")
            let shared = try await api.createWorkspace(leaving, name: "Shared")
            try await api.addMember(partner, to: shared, role: .admin, by: leaving)
            let partnerSpace = try await api.createWorkspace(partner, name: "Partner's")
            let header = APIHarness.workspaceHeader(shared)
            // Rows in every table that can hold the user: tokens, resets, invites both ways, a key,
            // a file, a call, a campaign with the user among its recipients, email preferences, a
            // template edit, a ledger entry, a queued email.
            #expect(try await api.call(.post, "/auth/forgot-password", json: .object(["email": .string(leaving.email)])).status == .accepted)
            _ = try await api.call(.post, "/api/workspaces/\(shared.lowercased)/members",
                                   json: .object(["email": .string("someone-\(UUID().uuidString.prefix(6))@example.com")]), as: leaving.bearer)
            _ = try await api.call(.post, "/api/workspaces/\(partnerSpace.lowercased)/members",
                                   json: .object(["email": .string(leaving.email)]), as: partner.bearer)
            _ = try await api.createKey(in: shared, scopes: ["jobs:read"], by: leaving)
            let uploaded = try await FileTests.upload(api, leaving, header, name: "notes.html", type: "text/html", data: Data("<p>mine</p>".utf8))
            #expect(uploaded.status == .accepted)
            let campaign = try await api.call(.post, "/api/email/campaigns", json: .object([
                "name": .string("Mine"), "template": .string("welcome"), "variables": .object(["first_name": .string("x")]),
                "recipients": .array([.object(["email": .string(leaving.email)]), .object(["email": .string("other@example.com")])]),
            ]), as: leaving.bearer, headers: header)
            #expect(campaign.status == .accepted, "\(campaign.body.text)")
            try await api.database.withConnection { connection in
                let logger = APIHarness.logger
                try await EmailStore.suppress(leaving.email, reason: "test", provider: "smtp", on: connection, logger: logger)
                try await EmailStore.unsubscribe(leaving.email, workspaceID: partnerSpace, on: connection, logger: logger)
                try await connection.query("""
                    INSERT INTO email_templates (workspace_id, name, subject, text_body, html_body, updated_by)
                    VALUES (\(shared), 'news', 's', 't', 'h', \(leaving.id))
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO calls (workspace_id, direction, to_number, from_number, created_by)
                    VALUES (\(shared), 'outbound', '+4940111111', '+4940222222', \(leaving.id))
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO credit_ledger (workspace_id, kind, amount, balance_after, description, actor_user_id)
                    VALUES (\(shared), 'grant', 1000, 1000, 'test', \(leaving.id))
                    """, logger: logger)
            }
            #expect(try await Self.remaining(api, user: leaving.id, email: leaving.email).count >= 12)

            let wrong = try await api.call(.post, "/api/me/delete", json: .object(["password": .string("not it")]), as: leaving.bearer)
            #expect(wrong.status == .unauthorized)
            let asked = try await api.call(.post, "/api/me/delete", json: .object([
                "password": .string(leaving.password), "workspace_policy": .string("transfer")]), as: leaving.bearer)
            #expect(asked.status == .accepted, "\(asked.body.text)")
            let request = try #require(UUID(uuidString: asked["id"]?.string ?? ""))

            // The sweep starts it once, however often it runs.
            for _ in 0..<2 {
                _ = try await GDPRDueDeletionsHandler(client: api.database).run(.init(), context: JobContext(
                    jobID: 0, kind: GDPRDueDeletionsJob.name, queue: "maintenance", attempt: 1, maxAttempts: 3, workspaceID: nil,
                    logger: APIHarness.logger, progressReporter: { _, _ in }))
            }
            let started = try await api.database.query(
                "SELECT count(*)::int FROM queue_jobs WHERE kind = 'gdpr.delete' AND unique_key = \("gdpr-delete:\(request.lowercased)")")
            for try await count in started.decode(Int.self) { #expect(count == 1) }

            // Stopped midway twice — after eight batches of one row, then by cancellation wherever it
            // stands — then run to the end.
            #expect(try await Self.run(api, request, batchSize: 1, maxBatches: 8) == .snooze(.seconds(1)))
            let midway = try await Self.remaining(api, user: leaving.id, email: leaving.email)
            #expect(!midway.isEmpty, "personal rows are left after a stop")
            #expect(midway["users.id"] == 1)
            let second = Task { try await Self.run(api, request, batchSize: 1) }
            try await Task.sleep(for: .milliseconds(20))
            second.cancel()
            _ = try? await second.value
            guard case .success = try await Self.run(api, request, batchSize: 1) else {
                Issue.record("the second run did not finish")
                return
            }
            #expect(try await Self.remaining(api, user: leaving.id, email: leaving.email) == [:])

            let receiptRows = try await api.database.query("SELECT state, receipt::text, subject_email FROM gdpr_requests WHERE id = \(request)")
            var receipt: [String: Int] = [:]
            for try await (state, text, subject) in receiptRows.decode((String, String, String?).self) {
                #expect(state == "completed")
                #expect(subject == nil, "the address is forgotten once done")
                receipt = try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
            }
            #expect(receipt["users (deleted)"] == 1)
            #expect(receipt["workspaces (deleted)"] == 1, "Solo had nobody else")
            #expect(receipt["workspaces (transferred)"] == 1)
            #expect(receipt["credit_ledger (pseudonymised, kept for billing)"] == 1)
            #expect((receipt["queued emails (cancelled)"] ?? 0) >= 1)

            let owners = try await api.database.query("""
                SELECT role::text FROM workspace_members \
                WHERE workspace_id = \(shared) AND user_id = \(partner.id)
                """)
            for try await role in owners.decode(String.self) { #expect(role == "owner") }
            let soloLeft = try await api.database.query("SELECT count(*)::int FROM workspaces WHERE id = \(solo)")
            for try await count in soloLeft.decode(Int.self) { #expect(count == 0) }
            let ledger = try await api.database.query("""
                SELECT count(*)::int FROM credit_ledger \
                WHERE workspace_id = \(shared) AND actor_user_id = \(request)
                """)
            for try await count in ledger.decode(Int.self) { #expect(count == 1, "billing rows are kept under a pseudonym") }
            let confirmation = try await api.database.query("""
                SELECT count(*)::int FROM queue_jobs WHERE kind = 'email.send' AND args->>'template' = 'deletion_confirmation'
                  AND args->'to'->>'address' = \(leaving.email) AND state = 'available'
                """)
            for try await count in confirmation.decode(Int.self) { #expect(count == 1) }

            // A third run changes nothing.
            _ = try await Self.run(api, request, batchSize: 1)
            let again = try await api.database.query("SELECT receipt::text FROM gdpr_requests WHERE id = \(request)")
            for try await text in again.decode(String.self) {
                #expect(try JSONDecoder().decode([String: Int].self, from: Data(text.utf8)) == receipt)
            }
            #expect(try await api.call(.get, "/api/me", as: leaving.bearer).status != .ok)
        }
    }
}
