@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import PostgresNIO
import Testing

/// The analytics routes against rows written straight into the real tables: every figure is
/// checked against what those rows imply, buckets follow the caller's time zone across a DST
/// change, and no other workspace's rows leak in.
@Suite(.timeLimit(.minutes(5))) struct AnalyticsTests {
    struct CallRow {
        var status: String
        var direction = "outbound"
        var minutesAgo: Double
        var answeredAfter: Double? = nil
        var duration: Int? = nil
        var cost: Int64? = nil
        var reason: String? = nil
    }

    static func insert(_ call: CallRow, workspace: UUID, assistant: UUID?, now: Date, api: APIHarness) async throws {
        let created = now.addingTimeInterval(-call.minutesAgo * 60)
        let answered = call.answeredAfter.map { created.addingTimeInterval($0) }
        try await api.database.query("""
            INSERT INTO calls (workspace_id, assistant_id, direction, to_number, from_number, status, status_reason,
                               duration_seconds, cost, created_at, answered_at)
            VALUES (\(workspace), \(assistant), \(call.direction), '+4930123456', '+4940123456', \(call.status), \(call.reason),
                    \(call.duration), \(call.cost), \(created), \(answered))
            """, logger: api.logger)
    }

    static func assistant(named name: String, in workspace: UUID, owner: APIHarness.User, api: APIHarness) async throws -> UUID {
        let reply = try await api.call(.post, "/api/assistants", json: .object(["name": .string(name), "system_prompt": .string("Be brief.")]),
                                       as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))
        return try #require(UUID(uuidString: reply["id"]?.string ?? ""), "\(reply.body.text)")
    }

    @Test func summaryPerformanceBillingAndRealtimeAgreeWithTheRows() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("analytics")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let sales = try await Self.assistant(named: "Sales", in: workspace, owner: owner, api: api)
            let stranger = try await api.register("stranger")
            let other = try await api.createWorkspace(stranger)
            let now = Date()

            let rows: [CallRow] = [
                CallRow(status: "completed", minutesAgo: 1, answeredAfter: 5, duration: 10, cost: 1_000),
                CallRow(status: "completed", minutesAgo: 11, answeredAfter: 3, duration: 20, cost: 2_000),
                CallRow(status: "completed", minutesAgo: 21, answeredAfter: 4, duration: 30, cost: 3_000),
                CallRow(status: "completed", direction: "inbound", minutesAgo: 31, answeredAfter: 2, duration: 40, cost: 4_000),
                CallRow(status: "in-progress", minutesAgo: 41, answeredAfter: 1),
                CallRow(status: "ringing", minutesAgo: 51),
                CallRow(status: "busy", minutesAgo: 61),
                CallRow(status: "no-answer", minutesAgo: 71),
                CallRow(status: "failed", minutesAgo: 81, reason: "21211 invalid number"),
                CallRow(status: "failed", minutesAgo: 91, reason: "21211 invalid number"),
                CallRow(status: "rejected", minutesAgo: 101, reason: "insufficient credits"),
            ]
            for row in rows { try await Self.insert(row, workspace: workspace, assistant: sales, now: now, api: api) }
            // Outside the 30-day window, and another workspace's call: neither may count.
            try await Self.insert(CallRow(status: "completed", minutesAgo: 45 * 24 * 60, answeredAfter: 1, duration: 500, cost: 9_000),
                                  workspace: workspace, assistant: sales, now: now, api: api)
            try await Self.insert(CallRow(status: "completed", minutesAgo: 5, answeredAfter: 1, duration: 700, cost: 7_000),
                                  workspace: other, assistant: nil, now: now, api: api)

            // Three jobs: one completed after 2 s of work, one discarded, one waiting.
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            var jobs: [Int] = []
            for _ in 0..<3 {
                let reply = try await api.call(.post, "/api/jobs", json: .object(["kind": .string("platform.canary")]), as: .apiKey(key))
                jobs.append(Int(try #require(reply["id"]?.number)))
            }
            try await api.database.query("""
                UPDATE queue_jobs SET state = 'completed', attempt = 1, attempted_at = run_at + interval '1 second',
                       finished_at = run_at + interval '3 seconds' WHERE id = \(jobs[0])
                """, logger: api.logger)
            try await api.database.query("""
                UPDATE queue_jobs SET state = 'discarded', attempt = 3, attempted_at = run_at, finished_at = now() WHERE id = \(jobs[1])
                """, logger: api.logger)

            // Ledger: 100 granted 40 days ago, then 10 for a call, 2.5 for a transcript and 50 more granted.
            let logger = api.logger
            try await api.database.withTransaction(logger: logger) { connection in
                _ = try await CreditStore.grant(workspaceID: workspace, amount: 100_000, reference: nil, description: "start",
                                                actorUserID: nil, on: connection, logger: logger)
                try await connection.query("UPDATE credit_ledger SET created_at = now() - interval '40 days' WHERE workspace_id = \(workspace)",
                                           logger: logger)
            }
            // Spent two hours ago, in the debit's own transaction: 12.5 credits in the last hour would
            // be a spike to the credit check that CreditCheckTests runs across every workspace, and
            // its mail job would count among this workspace's jobs.
            for (reference, amount) in [("call:\(UUID())", Int64(10_000)), ("transcript:\(UUID())", Int64(2_500))] {
                try await api.database.withTransaction(logger: logger) { connection in
                    _ = try await CreditStore.debit(workspaceID: workspace, amount: amount, reference: reference, description: "",
                                                    allowOverdraft: false, on: connection, logger: logger)
                    try await connection.query("""
                        UPDATE credit_ledger SET created_at = now() - interval '2 hours'
                        WHERE workspace_id = \(workspace) AND reference = \(reference)
                        """, logger: logger)
                }
            }
            _ = try await api.database.withTransaction(logger: logger) { connection in
                try await CreditStore.grant(workspaceID: workspace, amount: 50_000, reference: nil, description: "top-up",
                                            actorUserID: nil, on: connection, logger: logger)
            }

            let summary = try await api.call(.get, "/api/analytics/summary?period=30d", as: owner.bearer, headers: header)
            #expect(summary.status == .ok, "\(summary.body.text)")
            let calls = try #require(summary["calls"])
            #expect(calls["total"]?.number == 11)
            #expect(calls["outbound"]?.number == 10)
            #expect(calls["inbound"]?.number == 1)
            #expect(calls["answered"]?.number == 5)
            #expect(calls["seconds"]?.number == 100)
            #expect(calls["average_seconds"]?.number == 20)
            #expect(calls["cost_credits"]?.number == 10)
            #expect(calls["answer_rate"]?.number == 0.4545)
            #expect(calls["by_status"] == .object(["completed": .number(4), "in-progress": .number(1), "ringing": .number(1), "busy": .number(1),
                                                   "no-answer": .number(1), "failed": .number(2), "rejected": .number(1)]))
            #expect(summary["jobs"]?["total"]?.number == 3)
            #expect(summary["jobs"]?["by_state"] == .object(["completed": .number(1), "discarded": .number(1), "available": .number(1)]))
            #expect(summary["credits"]?["used"]?.number == 12.5)
            #expect(summary["credits"]?["granted"]?.number == 50)
            #expect(summary["credits"]?["balance"]?.number == 137.5)
            #expect(summary["period"]?["interval"]?.string == "day")
            let series = try #require(summary["series"]?.array)
            #expect(series.count == 31, "30 days from a moment inside a day touch 31 day buckets")
            #expect(series.compactMap { $0["calls"]?.number }.reduce(0, +) == 11)
            #expect(series.compactMap { $0["jobs"]?.number }.reduce(0, +) == 3)
            #expect(series.compactMap { $0["credits_used"]?.number }.reduce(0, +) == 12.5)

            let performance = try await api.call(.get, "/api/analytics/performance?period=7d", as: owner.bearer, headers: header)
            #expect(performance.status == .ok, "\(performance.body.text)")
            let p = try #require(performance["calls"])
            #expect(p["completed"]?.number == 4)
            #expect(p["unsuccessful"]?.number == 5)
            #expect(p["completion_rate"]?.number == 0.3636)
            #expect(p["duration_seconds"] == .object(["average": .number(25), "p50": .number(25), "p90": .number(37), "p95": .number(38.5)]))
            #expect(p["time_to_answer_seconds"] == .object(["average": .number(3), "p50": .number(3), "p90": .number(4.6), "p95": .number(4.8)]))
            #expect(p["failure_reasons"]?.array?.first == .object(["reason": .string("21211 invalid number"), "count": .number(2)]))
            let assistant = try #require(performance["assistants"]?.array?.first)
            #expect(assistant["name"]?.string == "Sales")
            #expect(assistant["calls"]?.number == 11)
            #expect(assistant["average_seconds"]?.number == 25)
            let canary = try #require(performance["jobs"]?.array?.first { $0["kind"]?.string == "platform.canary" })
            #expect(canary["total"]?.number == 3)
            #expect(canary["pending"]?.number == 1)
            #expect(canary["success_rate"]?.number == 0.5)
            #expect(canary["run_seconds"]?["p50"]?.number == 2)

            let billing = try await api.call(.get, "/api/analytics/billing?period=30d", as: owner.bearer, headers: header)
            #expect(billing.status == .ok, "\(billing.body.text)")
            #expect(billing["opening_balance"]?.number == 100)
            #expect(billing["closing_balance"]?.number == 137.5)
            #expect(billing["granted"]?.number == 50)
            #expect(billing["used"]?.number == 12.5)
            #expect(billing["usage_by_category"] == .object(["call": .number(10), "transcript": .number(2.5)]))
            #expect(billing["daily_usage"]?.number == 0.417)
            #expect(billing["days_left"]?.number == 330)
            let ledgerSeries = try #require(billing["series"]?.array)
            #expect(ledgerSeries.first?["closing_balance"]?.number == 100)
            #expect(ledgerSeries.last?["closing_balance"]?.number == 137.5)

            let realtime = try await api.call(.get, "/api/analytics/realtime", as: owner.bearer, headers: header)
            #expect(realtime.status == .ok, "\(realtime.body.text)")
            #expect(realtime["live_calls"]?.number == 2)
            #expect(realtime["live_calls_by_status"] == .object(["in-progress": .number(1), "ringing": .number(1)]))
            #expect(realtime["calls"]?.array?.count == 2)
            #expect(realtime["jobs"]?["ready"]?.number == 1)
            #expect(realtime["last_five_minutes"]?["calls_started"]?.number == 1)
            let lastHour = try #require(realtime["last_hour"]?.array)
            #expect(lastHour.count == 60)
            #expect(lastHour.compactMap { $0["calls_started"]?.number }.reduce(0, +) == 6)
            #expect(realtime["balance"]?.number == 137.5)

            // The other workspace sees only its own call.
            let theirs = try await api.call(.get, "/api/analytics/summary", as: stranger.bearer, headers: APIHarness.workspaceHeader(other))
            #expect(theirs["calls"]?["total"]?.number == 1)
            #expect(theirs["calls"]?["seconds"]?.number == 700)
        }
    }

    @Test func dayBucketsFollowTheCallersZoneAcrossADSTChange() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("analytics-tz")
            let workspace = try await api.createWorkspace(owner)
            let reference = try Date("2026-10-27T00:00:00Z", strategy: .iso8601)
            // Berlin leaves summer time on 2026-10-25 at 03:00 local (01:00 UTC): that day has 25 hours.
            for time in ["2026-10-24T21:59:00Z", "2026-10-25T21:30:00Z", "2026-10-25T23:30:00Z"] {
                let created = try Date(time, strategy: .iso8601)
                try await Self.insert(CallRow(status: "completed", minutesAgo: reference.timeIntervalSince(created) / 60, answeredAfter: 1,
                                              duration: 60),
                                      workspace: workspace, assistant: nil, now: reference, api: api)
            }
            let reply = try await api.call(.get,
                                           "/api/analytics/summary?from=2026-10-23T22:00:00Z&to=2026-10-26T23:00:00Z&interval=day&tz=Europe/Berlin",
                                           as: owner.bearer, headers: APIHarness.workspaceHeader(workspace))
            #expect(reply.status == .ok, "\(reply.body.text)")
            let series = try #require(reply["series"]?.array)
            #expect(series.compactMap { $0["start"]?.string } == ["2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"])
            #expect(series.compactMap { $0["calls"]?.number } == [1, 1, 1])
            #expect(reply["period"]?["time_zone"]?.string == "Europe/Berlin")
        }
    }

    @Test func accessFollowsRolesAndScopesAndBadPeriodsAre422() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("analytics-access")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let viewer = try await api.register("viewer")
            try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
            let outsider = try await api.register("outsider")
            let jobsKey = try await api.createKey(in: workspace, scopes: ["jobs:read"], by: owner)
            let analyticsKey = try await api.createKey(in: workspace, scopes: ["analytics:read"], by: owner)
            try await Self.insert(CallRow(status: "completed", minutesAgo: 3, answeredAfter: 1, duration: 42), workspace: workspace,
                                  assistant: nil, now: Date(), api: api)

            for route in ["summary", "realtime", "performance", "billing"] {
                let path = "/api/analytics/\(route)"
                #expect(try await api.call(.get, path, as: viewer.bearer, headers: header).status == .ok, "viewer \(path)")
                #expect(try await api.call(.get, path, as: .apiKey(analyticsKey)).status == .ok, "analytics key \(path)")
                #expect(try await api.call(.get, path, as: .apiKey(jobsKey)).status == .forbidden, "jobs key \(path)")
                #expect(try await api.call(.get, path, as: outsider.bearer, headers: header).status == .notFound, "outsider \(path)")
                #expect(try await api.call(.get, path).status == .unauthorized, "anonymous \(path)")
            }
            let byKey = try await api.call(.get, "/api/analytics/summary?period=24h", as: .apiKey(analyticsKey))
            #expect(byKey["calls"]?["seconds"]?.number == 42)
            #expect(byKey["series"]?.array?.count == 25, "24 hours from inside an hour touch 25 hour buckets")

            let bad: [(String, String)] = [
                ("period=2d", "period"), ("tz=Mars/Olympus", "tz"), ("interval=fortnight", "interval"),
                ("period=365d&interval=hour", "interval"), ("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"),
                ("to=2026-11-01T00:00:00Z", "from"), ("from=yesterday", "from"), ("period=7d&from=2026-11-01T00:00:00Z", "period"),
                ("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
            ]
            for (query, field) in bad {
                let reply = try await api.call(.get, "/api/analytics/summary?\(query)", as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(query): \(reply.body.text)")
                #expect(reply.errorCode == "validation_failed")
                #expect(reply["error"]?["details"]?["field"]?.string == field, "\(query)")
            }
        }
    }
}
