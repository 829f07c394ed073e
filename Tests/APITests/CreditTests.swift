@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import PostgresNIO
import ServerSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct CreditTests {
    @Test func operatorsGrantMembersReadAndThresholdsShowCrossings() async throws {
        let operatorEmail = "operator-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await APIHarness.with(["PLATFORM_OPERATOR_EMAILS": "someone@example.com, \(operatorEmail.uppercased())"]) { api in
            let owner = try await api.register("credits")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let operatorUser = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(operatorEmail), "password": .string(APIHarness.password),
            ]))
            let operatorToken = try #require(operatorUser["access_token"]?.string)
            let grant = JSONValue.object(["workspace_id": .string(workspace.lowercased), "credits": .number(100), "reference": .string("order-1")])
            // A workspace's own Owner cannot mint credits.
            #expect(try await api.call(.post, "/api/credits/grants", json: grant, as: owner.bearer).status == .forbidden)
            let granted = try await api.call(.post, "/api/credits/grants", json: grant, as: .bearer(operatorToken))
            #expect(granted.status == .created, "\(granted.body.text)")
            // The same purchase reference grants once.
            let again = try await api.call(.post, "/api/credits/grants", json: grant, as: .bearer(operatorToken))
            #expect(again.status == .ok)
            #expect(again["id"] == granted["id"])

            let account = try await api.call(.get, "/api/credits", as: owner.bearer, headers: header)
            #expect(account["balance"]?.number == 100)
            #expect(account["allowance"]?.number == 100)
            #expect(account["crossed_threshold"] == .null || account["crossed_threshold"] == nil)

            // Usage down to 15 credits crosses the 20 % threshold.
            let logger = api.logger
            let change = try await api.database.withTransaction(logger: logger) { connection in
                try await CreditStore.debit(workspaceID: workspace, amount: 85_000, reference: "call:1", description: "a call",
                                            allowOverdraft: false, on: connection, logger: logger)
            }
            guard case .applied = change else { Issue.record("debit: \(change)"); return }
            let low = try await api.call(.get, "/api/credits", as: owner.bearer, headers: header)
            #expect(low["balance"]?.number == 15)
            #expect(low["crossed_threshold"]?.number == 20)

            let ledger = try await api.call(.get, "/api/credits/ledger", as: owner.bearer, headers: header)
            #expect(ledger["items"]?.array?.compactMap { $0["kind"]?.string } == ["usage", "grant"])
            #expect(ledger["items"]?.array?.first?["credits"]?.number == -85)

            let settings = try await api.call(.put, "/api/credits/settings",
                                              json: .object(["warning_thresholds": .array([.number(50), .number(10)])]),
                                              as: owner.bearer, headers: header)
            #expect(settings["warning_thresholds"]?.array == [.number(50), .number(10)])
            #expect(settings["crossed_threshold"]?.number == 50)
            let bad = try await api.call(.put, "/api/credits/settings", json: .object(["warning_thresholds": .array([.number(150)])]),
                                         as: owner.bearer, headers: header)
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test func concurrentDebitsNeverOverdrawAndRetriesChargeOnce() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("debits")
            let workspace = try await api.createWorkspace(owner)
            let logger = api.logger
            let database = api.database
            _ = try await database.withTransaction(logger: logger) { connection in
                try await CreditStore.grant(workspaceID: workspace, amount: 100_000, reference: nil, description: "start",
                                            actorUserID: nil, on: connection, logger: logger)
            }
            // 20 charges of 10 credits against 100: exactly 10 pass, whatever the interleaving.
            let charged = try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let change = try await database.withTransaction(logger: logger) { connection in
                            try await CreditStore.debit(workspaceID: workspace, amount: 10_000, reference: "call:\(index)", description: "",
                                                        allowOverdraft: false, on: connection, logger: logger)
                        }
                        if case .applied = change { return index }
                        return nil
                    }
                }
                return try await group.reduce(into: [Int]()) { if let index = $1 { $0.append(index) } }
            }
            #expect(charged.count == 10)
            // A retried job charging one of the charged calls again changes nothing (which ten were
            // charged depends on the interleaving).
            let again = try #require(charged.first)
            let retry = try await database.withTransaction(logger: logger) { connection in
                try await CreditStore.debit(workspaceID: workspace, amount: 10_000, reference: "call:\(again)", description: "",
                                            allowOverdraft: true, on: connection, logger: logger)
            }
            if case .applied = retry { Issue.record("a duplicate reference charged twice") }
            let account = try await database.withConnection { try await CreditStore.account(workspaceID: workspace, on: $0, logger: logger) }
            #expect(account.balance == 0)
            let sum = try await database.query("SELECT sum(amount)::bigint FROM credit_ledger WHERE workspace_id = \(workspace)", logger: logger)
            for try await total in sum.decode(Int64.self) { #expect(total == account.balance, "ledger and balance agree") }
        }
    }
}
