@testable import API
import Foundation
import HTTPTypes
import Jobs
import Logging
import Platform
import PostgresNIO
import Providers
import QueueEngine
import ServerSupport
import Testing

/// Outbound calls end to end: the API creates the row and its dial job, the dial job talks to a
/// stand-in Twilio, and signed status callbacks finish and charge the call.
@Suite(.timeLimit(.minutes(5))) struct CallTests {
    static let publicBase = "https://voice.example.test"

    /// A workspace with a deployed assistant, a bound number and (optionally) credits.
    struct Setup: Sendable {
        let api: APIHarness
        let owner: APIHarness.User
        let workspace: UUID
        let header: HTTPFields
        let assistantID: String
        let twilio: TwilioClient
        let standIn: TwilioStandIn
        /// The workspace's number (numbers are unique across workspaces, so each setup has its own).
        let callerNumber: String

        func placeCall(to number: String = "+4930123456", key: String? = nil) async throws -> (call: String, job: Int64) {
            var headers = header
            if let key { headers[.idempotencyKey] = key }
            let reply = try await api.call(.post, "/api/calls/outbound", json: .object([
                "assistant_id": .string(assistantID), "to": .string(number),
            ]), as: owner.bearer, headers: headers)
            try #require(reply.status == .accepted || reply.status == .ok, "outbound: \(reply.body.text)")
            return (try #require(reply["call"]?["id"]?.string), Int64(try #require(reply["job_id"]?.number)))
        }

        /// One attempt of the dial job, as a worker would run it.
        func dial(_ callID: String, attempt: Int = 1, settings: CallSettings = CallSettings(dialsPerSecond: 1_000)) async throws -> JobOutcome {
            let job = OutboundCallHandler(client: api.database, twilio: twilio, settings: settings)
            let context = JobContext(jobID: 1, kind: OutboundCallJob.name, queue: "calls", attempt: attempt, maxAttempts: 8,
                                     workspaceID: workspace.lowercased, logger: api.logger, progressReporter: { _, _ in })
            return try await job.run(OutboundCallJob.Args(callID: try #require(UUID(uuidString: callID))), context: context)
        }

        /// Twilio asking the voice webhook what to do, signed (path with its query).
        func voice(_ path: String, _ parameters: [(String, String)],
                   signed: Bool = true) async throws -> (status: HTTPResponse.Status, body: String) {
            let signature = signed
                ? TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: CallTests.publicBase + path, parameters: parameters)
                : "bm9wZQ=="
            return try await api.http.execute(uri: path, method: .post, headers: [
                .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature,
            ], body: ByteBuffer(string: FormURLEncoding.encode(parameters))) { response in
                (response.status, String(buffer: response.body))
            }
        }

        func status(_ callID: String) async throws -> APIHarness.Reply {
            try await api.call(.get, "/api/calls/\(callID)/status", as: owner.bearer, headers: header)
        }

        /// Sends a status callback signed as Twilio signs it (or with `signature` instead).
        func callback(_ callID: String, _ parameters: [(String, String)], signature: String? = nil) async throws -> APIHarness.Reply {
            let path = "/webhooks/twilio/status?call=\(callID)"
            let signed = signature ?? TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: CallTests.publicBase + path,
                                                                parameters: parameters)
            return try await api.call(.post, path, raw: FormURLEncoding.encode(parameters), headers: [
                .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signed,
            ])
        }
    }

    static func with(credits: Int64 = 100_000, environment: [String: String] = [:],
                     _ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
        let standIn = TwilioStandIn()
        try await standIn.run { baseURL in
            try await APIHarness.with([
                "TWILIO_ACCOUNT_SID": TwilioStandIn.accountSID, "TWILIO_AUTH_TOKEN": TwilioStandIn.authToken,
                "TWILIO_API_BASE_URL": baseURL, "PUBLIC_BASE_URL": publicBase,
            ].merging(environment) { _, new in new }) { api in
                let owner = try await api.register("caller")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let assistant = try await api.call(.post, "/api/assistants/", json: .object([
                    "name": .string("Outreach"), "system_prompt": .string("You call customers back."),
                    "first_message": .string("Hello from Outreach & Co"), "language": .string("en-GB"),
                ]), as: owner.bearer, headers: header)
                let assistantID = try #require(assistant["id"]?.string)
                #expect(try await api.call(.post, "/api/assistants/\(assistantID)/deploy", as: owner.bearer, headers: header).status == .ok)
                let callerNumber = "+1" + String(Int.random(in: 2_000_000_000...9_999_999_999))
                let number = try await api.call(.post, "/api/phone-numbers", json: .object([
                    "number": .string(callerNumber), "assistant_id": .string(assistantID),
                ]), as: owner.bearer, headers: header)
                try #require(number.status == .created, "number: \(number.body.text)")
                if credits > 0 {
                    let logger = api.logger
                    _ = try await api.database.withTransaction(logger: logger) { connection in
                        try await CreditStore.grant(workspaceID: workspace, amount: credits, reference: nil, description: "test",
                                                    actorUserID: nil, on: connection, logger: logger)
                    }
                }
                let twilio = TwilioClient(configuration: TwilioConfiguration(
                    accountSID: TwilioStandIn.accountSID, authToken: TwilioStandIn.authToken, baseURL: baseURL,
                    publicBaseURL: publicBase, requestTimeout: .seconds(1)))
                try await body(Setup(api: api, owner: owner, workspace: workspace, header: header, assistantID: assistantID,
                                     twilio: twilio, standIn: standIn, callerNumber: callerNumber))
            }
        }
    }

    @Test func aCallIsPlacedOnceAndItsSignedCallbacksFinishAndChargeIt() async throws {
        try await Self.with { setup in
            let (callID, jobID) = try await setup.placeCall()
            let pending = try await setup.status(callID)
            #expect(pending["status"]?.string == "pending")
            #expect(pending["job_id"]?.number == Double(jobID))
            #expect(pending["from"]?.string == setup.callerNumber, "the assistant's number is the caller ID")

            guard case .success = try await setup.dial(callID) else { Issue.record("the dial did not succeed"); return }
            // A second run (a retry after the worker died before its ack) places no second call.
            guard case .success = try await setup.dial(callID, attempt: 2) else { Issue.record("the re-run did not succeed"); return }
            #expect(setup.standIn.createRequests.count == 1)
            let form = try #require(setup.standIn.createRequests.first)
            #expect(form.first(where: { $0.0 == "To" })?.1 == "+4930123456")
            #expect(form.first(where: { $0.0 == "From" })?.1 == setup.callerNumber)
            #expect(form.first(where: { $0.0 == "StatusCallback" })?.1 == "\(Self.publicBase)/webhooks/twilio/status?call=\(callID)")
            #expect(form.filter { $0.0 == "StatusCallbackEvent" }.map(\.1) == ["initiated", "ringing", "answered", "completed"])
            #expect(form.first(where: { $0.0 == "Timeout" })?.1 == "30")
            #expect(!form.contains(where: { $0.0 == "Record" }), "the assistant does not record")

            let sid = try #require(setup.standIn.calls.first?.sid)
            let queued = try await setup.status(callID)
            #expect(queued["status"]?.string == "queued")
            #expect(queued["provider_call_sid"]?.string == sid)

            func event(_ status: String, _ sequence: Int, duration: Int? = nil) -> [(String, String)] {
                var form = [("AccountSid", TwilioStandIn.accountSID), ("CallSid", sid), ("CallStatus", status),
                            ("From", setup.callerNumber), ("To", "+4930123456"), ("Direction", "outbound-api"),
                            ("SequenceNumber", String(sequence)), ("CallbackSource", "call-progress-events")]
                if let duration { form.append(("CallDuration", String(duration))) }
                return form
            }
            #expect(try await setup.callback(callID, event("ringing", 1)).status == .noContent)
            #expect(try await setup.callback(callID, event("in-progress", 2)).status == .noContent)

            // Unsigned and altered callbacks change nothing.
            let forged = try await setup.callback(callID, event("completed", 3, duration: 1), signature: "bm90IGEgc2lnbmF0dXJl")
            #expect(forged.status == .forbidden)
            let signedShort = TwilioSignature.signature(authToken: TwilioStandIn.authToken,
                                                        url: Self.publicBase + "/webhooks/twilio/status?call=\(callID)",
                                                        parameters: event("completed", 3, duration: 1))
            let tampered = try await setup.callback(callID, event("completed", 3, duration: 6_000), signature: signedShort)
            #expect(tampered.status == .forbidden)
            #expect(try await setup.status(callID)["status"]?.string == "in-progress")

            // A late "ringing" does not move the call back.
            #expect(try await setup.callback(callID, event("ringing", 1)).status == .noContent)
            #expect(try await setup.status(callID)["status"]?.string == "in-progress")

            #expect(try await setup.callback(callID, event("completed", 3, duration: 61)).status == .noContent)
            #expect(try await setup.callback(callID, event("completed", 3, duration: 61)).status == .noContent, "a repeat is harmless")
            let done = try await setup.status(callID)
            #expect(done["status"]?.string == "completed")
            #expect(done["duration_seconds"]?.number == 61)
            #expect(done["cost"]?.number == 2, "two started minutes at one credit each")
            let credits = try await setup.api.call(.get, "/api/credits", as: setup.owner.bearer, headers: setup.header)
            #expect(credits["balance"]?.number == 98, "charged once")

            let history = try await setup.api.call(.get, "/api/calls/history?status=completed", as: setup.owner.bearer, headers: setup.header)
            #expect(history["items"]?.array?.compactMap { $0["id"]?.string } == [callID])
            let none = try await setup.api.call(.get, "/api/calls/history?status=busy", as: setup.owner.bearer, headers: setup.header)
            #expect(none["items"]?.array?.isEmpty == true)
        }
    }

    @Test func theProvidersRefusalEndsTheCallWithItsCodeAndMessage() async throws {
        try await Self.with { setup in
            setup.standIn.script(.fail(status: 400, code: 21211, message: "The 'To' number +4930123456 is not a valid phone number."))
            let (callID, _) = try await setup.placeCall()
            guard case .discard(let reason) = try await setup.dial(callID) else { Issue.record("a 400 must discard"); return }
            #expect(reason.contains("21211"))
            let call = try await setup.status(callID)
            #expect(call["status"]?.string == "rejected")
            #expect(call["provider_error_code"]?.number == 21211)
            #expect(call["status_reason"]?.string?.contains("not a valid phone number") == true)
        }
    }

    @Test func aServerErrorIsRetriedAndDialsOnlyOnce() async throws {
        try await Self.with { setup in
            setup.standIn.script(.fail(status: 503, code: 20503, message: "Service Unavailable"))
            let (callID, _) = try await setup.placeCall()
            await #expect(throws: TwilioError.self) { try await setup.dial(callID) }
            #expect(try await setup.status(callID)["status"]?.string == "dialing")
            guard case .success = try await setup.dial(callID, attempt: 2) else { Issue.record("the retry did not dial"); return }
            #expect(setup.standIn.calls.count == 1)
            #expect(setup.standIn.lookups == 1, "the retry asked before dialling again")
            #expect(try await setup.status(callID)["status"]?.string == "queued")
        }
    }

    @Test func aLostAnswerIsFoundAtTheProviderInsteadOfDiallingAgain() async throws {
        try await Self.with { setup in
            setup.standIn.script(.createThenStall(delay: .seconds(3)))
            let (callID, _) = try await setup.placeCall()
            await #expect(throws: TwilioError.self) { try await setup.dial(callID) }
            #expect(setup.standIn.calls.count == 1, "Twilio created the call although the answer never came")
            guard case .success(let result) = try await setup.dial(callID, attempt: 2) else { Issue.record("the retry failed"); return }
            #expect(result?.contains("\"adopted\":true") == true)
            #expect(setup.standIn.createRequests.count == 1, "no second call was placed")
            #expect(try await setup.status(callID)["provider_call_sid"]?.string == setup.standIn.calls.first?.sid)
        }
    }

    @Test func aRateLimitedDialIsRetriedWithoutALookup() async throws {
        try await Self.with { setup in
            setup.standIn.script(.fail(status: 429, code: 20429, message: "Too Many Requests"))
            let (callID, _) = try await setup.placeCall()
            await #expect(throws: TwilioError.self) { try await setup.dial(callID) }
            #expect(try await setup.status(callID)["status"]?.string == "pending", "429: Twilio created nothing")
            guard case .success = try await setup.dial(callID, attempt: 2) else { Issue.record("the retry did not dial"); return }
            #expect(setup.standIn.lookups == 0)
            #expect(setup.standIn.calls.count == 1)
        }
    }

    @Test func withoutCreditsNoCallIsPlacedAndTheRowSaysWhy() async throws {
        try await Self.with(credits: 0) { setup in
            let (callID, _) = try await setup.placeCall()
            guard case .discard(let reason) = try await setup.dial(callID) else { Issue.record("no credits must discard"); return }
            #expect(reason.contains("insufficient credits"))
            #expect(setup.standIn.createRequests.isEmpty)
            let call = try await setup.status(callID)
            #expect(call["status"]?.string == "rejected")
            #expect(call["status_reason"]?.string?.contains("insufficient credits") == true)
        }
    }

    @Test func aWorkspaceAtItsConcurrencyLimitWaitsAndDialsArePaced() async throws {
        try await Self.with { setup in
            let settings = CallSettings(maxConcurrentPerWorkspace: 1, dialsPerSecond: 2)
            let (first, _) = try await setup.placeCall()
            let (second, _) = try await setup.placeCall(to: "+4930123457")
            guard case .success = try await setup.dial(first, settings: settings) else { Issue.record("first dial"); return }
            #expect(try await setup.dial(second, settings: settings) == .snooze(OutboundCallHandler.busyRetry))
            #expect(try await setup.status(second)["status"]?.string == "pending")
            // Once the first call ends, the second dials.
            let sid = try #require(setup.standIn.calls.first?.sid)
            #expect(try await setup.callback(first, [("CallSid", sid), ("CallStatus", "busy"), ("SequenceNumber", "0")]).status == .noContent)
            guard case .success = try await setup.dial(second, settings: settings) else { Issue.record("second dial"); return }
            #expect(setup.standIn.calls.count == 2)

            // Dial slots of one account are spaced for all workers together; none is taken past the horizon.
            let logger = setup.api.logger
            let account = "AC-pacing-\(UUID().uuidString)"
            var waits: [Duration?] = []
            for _ in 0..<3 {
                waits.append(try await setup.api.database.withConnection { connection in
                    try await CallStore.reserveDialSlot(account: account, spacing: .seconds(1), horizon: .milliseconds(1_500),
                                                        on: connection, logger: logger)
                })
            }
            #expect(waits[0] == .zero)
            #expect((Duration.milliseconds(800)...Duration.seconds(1)).contains(try #require(waits[1])))
            #expect(waits[2] == nil, "the third slot is two seconds away, past the horizon")
        }
    }

    @Test func manyConcurrentDialsNeverExceedTheWorkspacesLiveCalls() async throws {
        try await Self.with(credits: 1_000_000) { setup in
            let settings = CallSettings(maxConcurrentPerWorkspace: 3, dialsPerSecond: 1_000)
            var pending: [String] = []
            for index in 0..<12 { pending.append(try await setup.placeCall(to: "+49301234\(String(format: "%03d", index))").call) }
            var rounds = 0
            while !pending.isEmpty {
                rounds += 1
                try #require(rounds <= 6, "every call is dialled within four rounds of three")
                let before = setup.standIn.calls.count
                // Every waiting dial job at once, as busy workers would run them.
                let outcomes = try await withThrowingTaskGroup(of: (String, JobOutcome).self) { group in
                    for call in pending { group.addTask { (call, try await setup.dial(call, settings: settings)) } }
                    return try await group.reduce(into: [(String, JobOutcome)]()) { $0.append($1) }
                }
                let dialled = outcomes.filter { if case .success = $0.1 { true } else { false } }.map(\.0)
                #expect(dialled.count == min(3, pending.count), "round \(rounds): \(outcomes.map(\.1))")
                #expect(outcomes.allSatisfy { if case .success = $0.1 { true } else { $0.1 == .snooze(OutboundCallHandler.busyRetry) } })
                #expect(setup.standIn.calls.count - before == dialled.count, "one provider call per dial, none past the limit")
                let logger = setup.api.logger
                let live = try await setup.api.database.withConnection { connection in
                    try await CallStore.liveCount(workspaceID: setup.workspace, on: connection, logger: logger)
                }
                #expect(live <= 3)
                // The dialled calls end; their places go to the next round.
                for call in dialled {
                    let sid = try #require(try await setup.status(call)["provider_call_sid"]?.string)
                    #expect(try await setup.callback(call,
                                                     [("CallSid", sid), ("CallStatus", "no-answer"), ("SequenceNumber", "0")]).status == .noContent)
                }
                pending.removeAll { dialled.contains($0) }
            }
            #expect(setup.standIn.calls.count == 12)
            #expect(rounds == 4)
        }
    }

    @Test func endingACallHangsItUpAtTheProviderAndOtherWorkspacesSeeNothing() async throws {
        try await Self.with { setup in
            let (callID, _) = try await setup.placeCall()
            guard case .success = try await setup.dial(callID) else { Issue.record("dial"); return }
            let stranger = try await setup.api.register("stranger")
            let elsewhere = try await setup.api.createWorkspace(stranger)
            let foreign = try await setup.api.call(.post, "/api/calls/\(callID)/end", as: stranger.bearer,
                                                   headers: APIHarness.workspaceHeader(elsewhere))
            #expect(foreign.status == .notFound)
            let ended = try await setup.api.call(.post, "/api/calls/\(callID)/end", as: setup.owner.bearer, headers: setup.header)
            #expect(ended.status == .ok, "\(ended.body.text)")
            #expect(ended["status"]?.string == "canceled", "a call not yet answered is canceled")
            #expect(setup.standIn.updates.map(\.status) == ["canceled"])
            let again = try await setup.api.call(.post, "/api/calls/\(callID)/end", as: setup.owner.bearer, headers: setup.header)
            #expect(again.status == .conflict)
        }
    }

    @Test func anIdempotencyKeyReturnsTheSameCallAndBadInputIsRefused() async throws {
        try await Self.with { setup in
            let first = try await setup.placeCall(key: "order-7")
            let repeated = try await setup.placeCall(key: "order-7")
            #expect(first.call == repeated.call)
            #expect(first.job == repeated.job)
            for (body, field) in [
                (JSONValue.object(["assistant_id": .string(setup.assistantID), "to": .string("0301234")]), "to"),
                (.object(["assistant_id": .string(UUID().uuidString), "to": .string("+4930123456")]), "assistant_id"),
                (.object(["assistant_id": .string(setup.assistantID), "to": .string("+4930123456"), "from": .string("+4930999999")]), "from"),
            ] {
                let reply = try await setup.api.call(.post, "/api/calls/outbound", json: body, as: setup.owner.bearer, headers: setup.header)
                #expect(reply.status == .unprocessableContent)
                #expect(reply["error"]?["details"]?["field"]?.string == field)
            }
        }
    }

    @Test func theVoiceWebhookGreetsOutboundCallsAndRoutesInboundCallsByNumber() async throws {
        try await Self.with { setup in
            let (callID, _) = try await setup.placeCall()
            let greeting = "<Say language=\"en-GB\">Hello from Outreach &amp; Co</Say>"
            let outbound = try await setup.voice("/webhooks/twilio/voice?call=\(callID)", [("CallSid", "CA1"), ("CallStatus", "in-progress")])
            #expect(outbound.status == .ok)
            #expect(outbound.body.contains(greeting), "\(outbound.body)")
            #expect(try await setup.voice("/webhooks/twilio/voice?call=\(callID)", [("CallSid", "CA1")], signed: false).status == .forbidden)

            let inboundSID = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let ring = [("CallSid", inboundSID), ("To", setup.callerNumber), ("From", "+4930765432"), ("CallStatus", "ringing"),
                        ("Direction", "inbound")]
            let inbound = try await setup.voice("/webhooks/twilio/voice", ring)
            #expect(inbound.body.contains(greeting), "\(inbound.body)")
            #expect(try await setup.voice("/webhooks/twilio/voice", ring).status == .ok, "Twilio retrying is harmless")
            let history = try await setup.api.call(.get, "/api/calls/history?direction=inbound", as: setup.owner.bearer, headers: setup.header)
            let calls = try #require(history["items"]?.array)
            #expect(calls.count == 1)
            #expect(calls.first?["provider_call_sid"]?.string == inboundSID)
            #expect(calls.first?["status"]?.string == "ringing")
            #expect(calls.first?["from"]?.string == "+4930765432")

            let stranger = try await setup.voice("/webhooks/twilio/voice", [("CallSid", "CA2"), ("To", "+4930000001"), ("From", "+4930765432")])
            #expect(stranger.body.contains("This number is not in service."))
        }
    }

    @Test func aRecordedInboundCallIsTranscribedWhicheverCallbackComesLast() async throws {
        try await Self.with { setup in
            let changed = try await setup.api.call(.put, "/api/assistants/\(setup.assistantID)", json: .object(["record_calls": true]),
                                                   as: setup.owner.bearer, headers: setup.header)
            try #require(changed.status == .ok, "\(changed.body.text)")
            // Calls run the deployed version: the change reaches them with the next deploy.
            try #require(try await setup.api.call(.post, "/api/assistants/\(setup.assistantID)/deploy", as: setup.owner.bearer,
                                                  headers: setup.header).status == .ok)
            /// Twilio's recording status callback, signed.
            func recording(_ parameters: [(String, String)], signed: Bool = true) async throws -> HTTPResponse.Status {
                let path = "/webhooks/twilio/recording"
                let signature = signed
                    ? TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: CallTests.publicBase + path,
                                                parameters: parameters) : "bm9wZQ=="
                return try await setup.api.call(.post, path, raw: FormURLEncoding.encode(parameters), headers: [
                    .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature,
                ]).status
            }
            func finished(_ sid: String) async throws -> HTTPResponse.Status {
                let parameters = [("CallSid", sid), ("CallStatus", "completed"), ("CallDuration", "42"), ("SequenceNumber", "3")]
                let signature = TwilioSignature.signature(authToken: TwilioStandIn.authToken, url: CallTests.publicBase + "/webhooks/twilio/status",
                                                          parameters: parameters)
                return try await setup.api.call(.post, "/webhooks/twilio/status", raw: FormURLEncoding.encode(parameters), headers: [
                    .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature,
                ]).status
            }
            func ring(_ sid: String) async throws -> (String, String) {
                let answer = try await setup.voice("/webhooks/twilio/voice", [("CallSid", sid), ("To", setup.callerNumber), ("From", "+4930765432"),
                                                                             ("CallStatus", "ringing"), ("Direction", "inbound")])
                let history = try await setup.api.call(.get, "/api/calls/history?direction=inbound", as: setup.owner.bearer, headers: setup.header)
                let call = try #require(history["items"]?.array?.first { $0["provider_call_sid"]?.string == sid }?["id"]?.string)
                return (answer.body, call)
            }
            func completed(_ sid: String) -> [(String, String)] {
                [("CallSid", sid), ("RecordingSid", "RE" + sid.dropFirst(2)),
                 ("RecordingUrl",
                  "\(setup.twilio.configuration.baseURL)/2010-04-01/Accounts/\(TwilioStandIn.accountSID)/Recordings/RE\(sid.dropFirst(2))"),
                 ("RecordingStatus", "completed"), ("RecordingDuration", "40"), ("RecordingChannels", "2")]
            }

            // Recording reported first, the end second.
            let first = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let (twiml, firstCall) = try await ring(first)
            let start = "<Start><Recording recordingStatusCallback=\"\(CallTests.publicBase)/webhooks/twilio/recording\" "
                + "recordingStatusCallbackEvent=\"completed\" channels=\"dual\"/></Start>"
            #expect(twiml.contains("<Response>" + start + "<Say"), "recording starts before the greeting: \(twiml)")
            #expect(try await recording(completed(first), signed: false) == .forbidden)
            #expect(try await recording([("CallSid", first), ("RecordingStatus", "in-progress")]) == .noContent)
            #expect(try await recording(completed(first)) == .noContent)
            #expect(try await Self.transcriptionJobs(setup, firstCall) == 0, "the call has not ended yet")
            #expect(try await setup.status(firstCall)["recording_url"]?.string?.hasSuffix("/Recordings/RE\(first.dropFirst(2))") == true)
            #expect(try await finished(first) == .noContent)
            #expect(try await Self.transcriptionJobs(setup, firstCall) == 1)

            // The end reported first, the recording second; Twilio repeating itself changes nothing.
            let second = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let (_, secondCall) = try await ring(second)
            #expect(try await finished(second) == .noContent)
            #expect(try await Self.transcriptionJobs(setup, secondCall) == 0, "no recording yet")
            #expect(try await recording(completed(second)) == .noContent)
            #expect(try await recording(completed(second)) == .noContent)
            #expect(try await Self.transcriptionJobs(setup, secondCall) == 1)
            #expect(try await recording(completed("CA" + String(repeating: "0", count: 32))) == .notFound)
        }
    }

    @Test func inboundCallsWithoutCreditsAreRejectedUnanswered() async throws {
        try await Self.with(credits: 0) { setup in
            let sid = "CA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let answer = try await setup.voice("/webhooks/twilio/voice", [("CallSid", sid), ("To", setup.callerNumber), ("From", "+4930765432")])
            #expect(answer.body.contains("<Reject reason=\"rejected\"/>"), "\(answer.body)")
            let history = try await setup.api.call(.get, "/api/calls/history", as: setup.owner.bearer, headers: setup.header)
            #expect(history["items"]?.array?.first?["status"]?.string == "rejected")
            #expect(history["items"]?.array?.first?["status_reason"]?.string?.contains("insufficient credits") == true)
        }
    }

    /// Places and dials a call, then reports it completed with a recording the stand-in serves.
    static func completedRecordedCall(_ setup: Setup, audio: Data) async throws -> String {
        let (callID, _) = try await setup.placeCall()
        guard case .success = try await setup.dial(callID) else { throw CancellationError() }
        let sid = try #require(setup.standIn.calls.last?.sid)
        let recordingSID = "RE" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        setup.standIn.addRecording(recordingSID, audio)
        let recordingURL = "\(setup.twilio.configuration.baseURL)/2010-04-01/Accounts/\(TwilioStandIn.accountSID)/Recordings/\(recordingSID)"
        let completed = [("CallSid", sid), ("CallStatus", "completed"), ("CallDuration", "61"), ("SequenceNumber", "3"),
                         ("RecordingUrl", recordingURL), ("RecordingSid", recordingSID)]
        #expect(try await setup.callback(callID, completed).status == .noContent)
        return callID
    }

    static func transcriptionJobs(_ setup: Setup, _ callID: String) async throws -> Int {
        let rows = try await setup.api.database.query(
            "SELECT count(*) FROM queue_jobs WHERE kind = 'calls.transcribe' AND args->>'callID' = \(callID.uppercased())",
            logger: setup.api.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    static func transcribe(_ setup: Setup, _ callID: String, base: String, maxBytes: Int = 1 << 20) async throws -> JobOutcome {
        let job = TranscribeCallHandler(
            client: setup.api.database, twilio: setup.twilio,
            transcription: TranscriptionClient(configuration: TranscriptionConfiguration(baseURL: base, apiKey: TranscriptionStandIn.apiKey,
                                                                                         maxBytes: maxBytes, requestTimeout: .seconds(10))),
            settings: CallSettings())
        let context = JobContext(jobID: 2, kind: TranscribeCallJob.name, queue: "transcription", attempt: 1, maxAttempts: 6,
                                 workspaceID: setup.workspace.lowercased, logger: setup.api.logger, progressReporter: { _, _ in })
        return try await job.run(TranscribeCallJob.Args(callID: try #require(UUID(uuidString: callID))), context: context)
    }

    @Test func aRecordedCallIsTranscribedOnceAndItsMinutesCharged() async throws {
        let transcriber = TranscriptionStandIn()
        try await transcriber.run { base in
            try await Self.with { setup in
                let audio = Data("ID3".utf8) + Data((0..<4_096).map { UInt8($0 % 251) })
                let callID = try await Self.completedRecordedCall(setup, audio: audio)
                #expect(try await Self.transcriptionJobs(setup, callID) == 1, "the webhook enqueued the transcription")

                guard case .success = try await Self.transcribe(setup, callID, base: base) else { Issue.record("transcription failed"); return }
                let request = try #require(transcriber.requests.first)
                let file = try #require(request.first(where: { $0.name == "file" }))
                #expect(file.data == audio, "the recording reached the endpoint byte for byte")
                #expect(file.filename == "call-\(callID).mp3")
                #expect(file.contentType == "audio/mpeg")
                func field(_ name: String) -> String? { request.first(where: { $0.name == name }).map { String(decoding: $0.data, as: UTF8.self) } }
                #expect(field("model") == "whisper-1")
                #expect(field("language") == "en", "the assistant speaks en-GB")
                #expect(field("response_format") == "verbose_json")

                let call = try await setup.status(callID)
                #expect(call["transcript"]?["text"]?.string == "Hello, this is a callback about your order.")
                #expect(call["transcript"]?["seconds"]?.number == 61.5)
                let credits = try await setup.api.call(.get, "/api/credits", as: setup.owner.bearer, headers: setup.header)
                #expect(credits["balance"]?.number == 97.6, "two call minutes and two transcribed minutes")

                guard case .success = try await Self.transcribe(setup, callID, base: base) else { Issue.record("re-run failed"); return }
                #expect(transcriber.requests.count == 1, "a re-run sends nothing")
            }
        }
    }

    @Test func anUnusableRecordingEndsTheTranscriptionWithTheReason() async throws {
        let transcriber = TranscriptionStandIn()
        try await transcriber.run { base in
            try await Self.with { setup in
                let callID = try await Self.completedRecordedCall(setup, audio: Data(repeating: 7, count: 4_096))
                guard case .discard(let tooLarge) = try await Self.transcribe(setup, callID, base: base, maxBytes: 1_024) else {
                    Issue.record("an oversized recording must discard"); return
                }
                #expect(tooLarge.contains("larger than 1024 bytes"))
                #expect(transcriber.requests.isEmpty)

                transcriber.fail(status: 400, message: "Invalid file format.")
                guard case .discard(let refused) = try await Self.transcribe(setup, callID, base: base) else {
                    Issue.record("a refused recording must discard"); return
                }
                #expect(refused.contains("Invalid file format."))

                transcriber.fail(status: 503, message: "overloaded")
                await #expect(throws: TranscriptionClient.Failure.self) { try await Self.transcribe(setup, callID, base: base) }
                #expect(try await setup.status(callID)["transcript"] == nil, "nothing was stored")
            }
        }
    }
}
