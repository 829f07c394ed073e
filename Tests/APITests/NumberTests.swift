@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import Providers
import QueueEngine
import ServerSupport
import Testing

/// Numbers at Twilio, against the stand-in of its IncomingPhoneNumbers and AvailablePhoneNumbers
/// resources: binding points a number's calls here and unbinding clears them, a number the account
/// does not hold says so, and an Owner buys a number (charged once, refunded when Twilio refuses).
@Suite(.timeLimit(.minutes(3))) struct NumberTests {
    static func context(_ setup: CallTests.Setup, kind: String) -> JobContext {
        JobContext(jobID: 11, kind: kind, queue: "calls", attempt: 1, maxAttempts: 8, workspaceID: setup.workspace.lowercased,
                   logger: setup.api.logger, progressReporter: { _, _ in })
    }

    static func configure(_ setup: CallTests.Setup, _ id: String) async throws {
        let handler = ConfigureNumberHandler(client: setup.api.database, twilio: setup.twilio)
        _ = try await handler.run(.init(numberID: try #require(UUID(uuidString: id))), context: context(setup, kind: ConfigureNumberJob.name))
    }

    static func purchase(_ setup: CallTests.Setup, _ id: String) async throws -> JobOutcome {
        let handler = PurchaseNumberHandler(client: setup.api.database, twilio: setup.twilio)
        return try await handler.run(.init(numberID: try #require(UUID(uuidString: id))), context: context(setup, kind: PurchaseNumberJob.name))
    }

    static func number(_ setup: CallTests.Setup, _ id: String) async throws -> APIHarness.Reply {
        try await setup.api.call(.get, "/api/phone-numbers/\(id)", as: setup.owner.bearer, headers: setup.header)
    }

    static func balance(_ setup: CallTests.Setup) async throws -> Int64 {
        let logger = setup.api.logger
        return try await setup.api.database.withConnection {
            try await CreditStore.account(workspaceID: setup.workspace, on: $0, logger: logger).balance
        }
    }

    @Test func aBoundNumberIsPointedHereAnUnboundOneNowhereAndAStrangerIsReported() async throws {
        try await CallTests.with { setup in
            let list = try await setup.api.call(.get, "/api/phone-numbers", as: setup.owner.bearer, headers: setup.header)
            let id = try #require(list.body.array?.first(where: { $0["number"]?.string == setup.callerNumber })?["id"]?.string)
            #expect(try await Self.number(setup, id)["provider_status"]?.string == "configuring", "a new number waits for its job")
            let sid = setup.standIn.hold(setup.callerNumber)
            try await Self.configure(setup, id)
            let held = try #require(setup.standIn.incoming(setup.callerNumber))
            #expect(held.voiceURL == CallTests.publicBase + "/webhooks/twilio/voice")
            #expect(held.statusCallback == CallTests.publicBase + "/webhooks/twilio/status")
            let configured = try await Self.number(setup, id)
            #expect(configured["provider_status"]?.string == "configured" && configured["provider_sid"]?.string == sid, "\(configured.body.text)")

            let unbound = try await setup.api.call(.put, "/api/phone-numbers/\(id)", json: .object(["assistant_id": .null]), as: setup.owner.bearer,
                                                   headers: setup.header)
            #expect(unbound["provider_status"]?.string == "configuring")
            try await Self.configure(setup, id)
            #expect(setup.standIn.incoming(setup.callerNumber)?.voiceURL == "", "an unbound number's calls ask nobody")
            #expect(try await Self.number(setup, id)["provider_status"]?.string == "unconfigured")

            let stranger = "+1" + String(Int.random(in: 2_000_000_000...9_999_999_999))
            let added = try await setup.api.call(.post, "/api/phone-numbers", json: .object(["number": .string(stranger)]), as: setup.owner.bearer,
                                                 headers: setup.header)
            let strangerID = try #require(added["id"]?.string)
            try await Self.configure(setup, strangerID)
            let reported = try await Self.number(setup, strangerID)
            #expect(reported["provider_status"]?.string == "not_in_account" && reported["provider_error"]?.string?.contains(stranger) == true)
        }
    }

    @Test func anOwnerBuysANumberOnceAndARefusedPurchaseIsRefunded() async throws {
        try await CallTests.with(credits: 200_000) { setup in
            let offered = "+1555" + String(Int.random(in: 1_000_000...9_999_999))
            setup.standIn.offer(offered)
            let available = try await setup.api.call(.get, "/api/phone-numbers/available?country=US&contains=555", as: setup.owner.bearer,
                                                     headers: setup.header)
            #expect(available.status == .ok, "\(available.body.text)")
            #expect(available["data"]?.array?.contains(where: { $0["number"]?.string == offered }) == true)
            #expect(available["price_credits"]?.number == 50)

            let before = try await Self.balance(setup)
            let bought = try await setup.api.call(.post, "/api/phone-numbers/purchase",
                                                  json: .object(["number": .string(offered), "assistant_id": .string(setup.assistantID)]),
                                                  as: setup.owner.bearer, headers: setup.header)
            #expect(bought.status == .accepted, "\(bought.body.text)")
            #expect(bought["provider_status"]?.string == "purchasing")
            #expect(try await Self.balance(setup) == before - 50_000)
            let id = try #require(bought["id"]?.string)
            _ = try await Self.purchase(setup, id)
            _ = try await Self.purchase(setup, id)
            #expect(setup.standIn.purchases == [offered], "bought once")
            #expect(setup.standIn.incoming(offered)?.voiceURL == CallTests.publicBase + "/webhooks/twilio/voice")
            #expect(try await Self.number(setup, id)["provider_status"]?.string == "configured")

            let gone = "+1555" + String(Int.random(in: 1_000_000...9_999_999))
            let refused = try await setup.api.call(.post, "/api/phone-numbers/purchase", json: .object(["number": .string(gone)]),
                                                   as: setup.owner.bearer, headers: setup.header)
            let refusedID = try #require(refused["id"]?.string)
            let outcome = try await Self.purchase(setup, refusedID)
            guard case .discard = outcome else {
                Issue.record("a refused purchase is discarded, not retried: \(outcome)")
                return
            }
            let failed = try await Self.number(setup, refusedID)
            #expect(failed["provider_status"]?.string == "purchase_failed" && failed["provider_error"]?.string?.contains("21422") == true)
            #expect(try await Self.balance(setup) == before - 50_000, "the refused purchase is refunded")

            let poor = APIHarness.workspaceHeader(try await setup.api.createWorkspace(setup.owner))
            let declined = try await setup.api.call(.post, "/api/phone-numbers/purchase", json: .object(["number": "+15550000001"]),
                                                    as: setup.owner.bearer, headers: poor)
            #expect(declined.status.code == 402, "\(declined.body.text)")
        }
    }

    @Test func aPlatformOperatorBuysForAWorkspaceAndAnAdminOrAStrangerCannot() async throws {
        let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await CallTests.with(credits: 200_000, environment: ["PLATFORM_OPERATOR_EMAILS": operatorEmail]) { setup in
            let api = setup.api
            let registered = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(operatorEmail), "password": .string(APIHarness.password), "first_name": "Ops", "last_name": "Test",
            ]))
            let operatorToken = try #require(registered["access_token"]?.string, "\(registered.body.text)")
            let admin = try await api.register("number-admin")
            try await api.addMember(admin, to: setup.workspace, role: .admin, by: setup.owner)
            let stranger = try await api.register("number-stranger")
            let offered = "+1555" + String(Int.random(in: 1_000_000...9_999_999))
            setup.standIn.offer(offered)
            let body = JSONValue.object(["number": .string(offered)])

            let byAdmin = try await api.call(.post, "/api/phone-numbers/purchase", json: body, as: admin.bearer, headers: setup.header)
            #expect(byAdmin.status == .forbidden, "\(byAdmin.body.text)")
            let byStranger = try await api.call(.post, "/api/phone-numbers/purchase", json: body, as: stranger.bearer, headers: setup.header)
            #expect(byStranger.status == .notFound, "a stranger does not learn that the workspace exists: \(byStranger.body.text)")
            let nowhere = APIHarness.workspaceHeader(UUID())
            let lost = try await api.call(.post, "/api/phone-numbers/purchase", json: body, as: .bearer(operatorToken), headers: nowhere)
            #expect(lost.status == .notFound, "\(lost.body.text)")

            let before = try await Self.balance(setup)
            let listed = try await api.call(.get, "/api/phone-numbers/available?country=US", as: .bearer(operatorToken), headers: setup.header)
            #expect(listed.status == .ok, "\(listed.body.text)")
            let bought = try await api.call(.post, "/api/phone-numbers/purchase", json: body, as: .bearer(operatorToken), headers: setup.header)
            #expect(bought.status == .accepted, "\(bought.body.text)")
            #expect(try await Self.balance(setup) == before - 50_000, "charged to the workspace")
            let id = try #require(bought["id"]?.string)
            _ = try await Self.purchase(setup, id)
            #expect(setup.standIn.purchases == [offered])
            let audit = try await api.database.query("""
                SELECT actor_user_id FROM audit_log WHERE action = 'phone_number.purchase' AND resource_id = \(id)
                """, logger: api.logger)
            var actors: [UUID?] = []
            for try await actor in audit.decode(UUID?.self) { actors.append(actor) }
            #expect(actors == [UUID(uuidString: registered["user"]?["id"]?.string ?? "")], "the operator is the actor")
            #expect(try await api.call(.get, "/api/phone-numbers", as: .bearer(operatorToken), headers: setup.header).status == .notFound,
                    "buying gives an operator no other access to the workspace")
        }
    }
}
