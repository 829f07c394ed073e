@testable import API
import Foundation
import HTTPTypes
import Jobs
import Logging
import Platform
import PostgresNIO
import QueueEngine
import Testing

@Suite(.timeLimit(.minutes(5))) struct ScheduleRouteTests {
    static let repositoryCron = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("cron").path

    @Test func operatorsSeeEntriesWithNextAndLastRuns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cron-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = "api-test-\(UUID().uuidString.prefix(8).lowercased())"
        try """
            - name: \(name)
              schedule: "*/5 * * * *"
              timezone: Europe/Berlin
              kind: platform.canary
              args: {}
            - name: \(name)-off
              schedule: "@daily"
              kind: platform.canary
              enabled: false
            """.write(to: folder.appendingPathComponent("test.yaml"), atomically: true, encoding: .utf8)
        let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["SCHEDULER_CRON_DIR": folder.path, "PLATFORM_OPERATOR_EMAILS": operatorEmail]) { api in
            let someone = try await api.register("not-ops")
            #expect(try await api.call(.get, "/api/schedules", as: someone.bearer).status == .forbidden)
            let registered = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(operatorEmail), "password": .string(APIHarness.password),
            ]))
            let token = try #require(registered["access_token"]?.string)

            // The scheduler enqueued a tick of the entry earlier; its job failed for good since.
            let job = try await api.services.database.queue.enqueue(CanaryJob.self, CanaryJob.Args())
            try await api.services.database.queue.cancel(id: job.id)
            let tick = Date(timeIntervalSince1970: 1_790_000_100)
            try await api.database.query("""
                INSERT INTO queue_schedule (name, covered_until, last_tick, last_job_id)
                VALUES (\(name), \(tick), \(tick), \(job.id))
                """, logger: api.logger)
            defer { Task { try? await api.database.query("DELETE FROM queue_schedule WHERE name = \(name)", logger: api.logger) } }

            let reply = try await api.call(.get, "/api/schedules", as: .bearer(token))
            #expect(reply.status == .ok, "\(reply.body.text)")
            let entries = reply.body.array ?? []
            let entry = try #require(entries.first { $0["name"]?.string == name })
            #expect(entry["time_zone"]?.string == "Europe/Berlin")
            #expect(entry["last_job_id"]?.number == Double(job.id))
            #expect(entry["last_job_state"]?.string == "cancelled")
            #expect(entry["last_run"]?.string == "2026-09-21T14:15:00Z")
            let next = try #require(entry["next_run"]?.string.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(next > Date() && next <= Date().addingTimeInterval(301))
            let off = try #require(entries.first { $0["name"]?.string == "\(name)-off" })
            #expect(off["enabled"] == .bool(false))
            #expect(off["next_run"] == nil || off["next_run"] == .null)
        }
    }

    @Test func theRepositorysScheduleLoadsInTheAPI() async throws {
        let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["SCHEDULER_CRON_DIR": Self.repositoryCron, "PLATFORM_OPERATOR_EMAILS": operatorEmail]) { api in
            let registered = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(operatorEmail), "password": .string(APIHarness.password),
            ]))
            let reply = try await api.call(.get, "/api/schedules", as: .bearer(try #require(registered["access_token"]?.string)))
            let names = Set(reply.body.array?.compactMap { $0["name"]?.string } ?? [])
            #expect(names.isSuperset(of: ["prune-finished-jobs", "hourly-canary", "cleanup-expired-access"]), "\(names)")
        }
    }

    @Test func expiredRefreshTokensAndInvitesAreCleanedUp() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("cleanup")
            let workspace = try await api.createWorkspace(owner)
            let logger = api.logger
            let old = Date().addingTimeInterval(-3 * 86_400)
            let oldInvite = try await api.database.withTransaction(logger: logger) { connection in
                try await AccountStore.insertRefreshToken(userID: owner.id, familyID: UUID(), tokenHash: Data(UUID().uuidString.utf8),
                                                          expiresAt: old, on: connection, logger: logger)
                return try await WorkspaceStore.createInvite(workspaceID: workspace, email: "late@example.com", role: .viewer,
                                                             tokenHash: Data(UUID().uuidString.utf8), invitedBy: owner.id,
                                                             expiresAt: old, on: connection, logger: logger)
            }
            let fresh = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/members",
                                           json: .object(["email": .string("soon@example.com")]), as: owner.bearer)
            #expect(fresh.status == .created)
            let job = CleanupExpiredAccessHandler(client: api.database)
            let context = JobContext(jobID: 1, kind: CleanupExpiredAccessJob.name, queue: "maintenance", attempt: 1, maxAttempts: 1,
                                     workspaceID: nil, logger: logger, progressReporter: { _, _ in })
            let outcome = try await job.run(CleanupExpiredAccessJob.Args(graceHours: 24, batchSize: 1), context: context)
            guard case .success(let result?) = outcome else { Issue.record("outcome \(outcome)"); return }
            // Other tests' expired rows may go too; ours certainly did.
            #expect(result.contains("refreshTokens"))
            let invites = try await api.database.withConnection { try await WorkspaceStore.invites(workspaceID: workspace, on: $0, logger: logger) }
            #expect(!invites.contains { $0.id == oldInvite.id })
            #expect(invites.contains { $0.email == "soon@example.com" })
            // The owner's live refresh token survived: it still refreshes.
            let refreshed = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(owner.refreshToken)]))
            #expect(refreshed.status == .ok)
            let remaining = try await api.database.query(
                "SELECT count(*) FROM refresh_tokens WHERE expires_at < now() - interval '1 day'", logger: logger)
            for try await count in remaining.decode(Int.self) { #expect(count == 0) }
        }
    }
}
