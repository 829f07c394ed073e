@testable import API
import Foundation
import Jobs
import Platform
import Testing
import TestSupport
import VoicePartnerClient

/// The Swift client: every endpoint it calls is an operation of the OpenAPI document, and it drives
/// the live API (typed answers, idempotency, the error shape mapped to `ClientError`).
@Suite(.timeLimit(.minutes(3))) struct SwiftClientTests {
    @Test func everyClientEndpointIsAnOperationOfTheDocument() {
        let documented = Set(APIDocument.operations.map { "\($0.method.uppercased()) \($0.path)" })
        for endpoint in Endpoint.all {
            #expect(documented.contains(endpoint.description), "\(endpoint) is not in the OpenAPI document")
        }
    }

    /// Operations no API caller makes: Twilio's callbacks, recipients' browser links, scrapes, the documents.
    static let notForCallers: Set<String> = [
        "POST /webhooks/twilio/voice", "POST /webhooks/twilio/status", "POST /webhooks/twilio/turn", "POST /webhooks/twilio/recording",
        "GET /unsubscribe", "POST /unsubscribe", "GET /metrics", "GET /health/metrics", "GET /docs", "GET /openapi.json",
    ]

    @Test func everyOperationCallersUseIsAMethodOfTheClient() {
        let documented = Set(APIDocument.operations.map { "\($0.method.uppercased()) \($0.path)" })
        let covered = Set((APIOperations.generated + APIOperations.handWritten).map(\.description))
        #expect(documented.subtracting(Self.notForCallers).subtracting(covered).isEmpty,
                "operations the Swift client lacks: \(documented.subtracting(Self.notForCallers).subtracting(covered).sorted())")
        #expect(covered.subtracting(documented).isEmpty, "\(covered.subtracting(documented).sorted())")
    }

    /// The generated types and methods are exactly what the document gives today: a field or route
    /// added to the API without regenerating the client fails here.
    @Test func theGeneratedClientIsWhatTheDocumentGives() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).json")
        try Data(APIDocument.document.text.utf8).write(to: document)
        defer { try? FileManager.default.removeItem(at: document) }
        let python = ProcessInfo.processInfo.environment["VPAI_PYTHON"] ?? "/usr/bin/python3"
        try await ChildProcess.run(python, [root.appendingPathComponent("scripts/generate-swift-client.py").path, "--check", document.path])
    }

    @Test func theGeneratedMethodsReadTheLiveAnswers() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("swift-operations")
            let workspace = try await api.createWorkspace(owner)
            let port = try #require(api.http.port)
            let client = VoicePartnerClient(baseURL: "http://127.0.0.1:\(port)", credential: .user(accessToken: owner.accessToken,
                                                                                                    workspaceID: workspace))
            let operations = client.operations
            #expect(try await operations.getMe().email == owner.email)
            #expect(try await operations.listWorkspaces().contains { $0.id == workspace && $0.role == "owner" })
            let assistant = try await operations.createAssistant(body: .init(name: "Typed", systemPrompt: "You answer the phone."))
            #expect(assistant.name == "Typed" && assistant.status == "draft")
            #expect(try await operations.listAssistants(limit: 10).items.map(\.id) == [assistant.id])
            let enqueued = try await operations.enqueueJob(body: .init(kind: "platform.canary", args: .object(["sleepMS": .number(1)]),
                                                                       delaySeconds: 3600))
            let job = try await operations.getJob(job: enqueued.id)
            #expect(job.kind == "platform.canary" && job.args["sleepMS"] == .number(1) && job.createdAt <= Date())
            let file = try await operations.uploadFile(name: "hours.txt", contentType: "text/plain", data: Data("Open 9 to 5.".utf8),
                                                       assistantID: assistant.id)
            #expect(file.name == "hours.txt" && file.assistantID == assistant.id)
            try await operations.deleteFile(file: file.id)
            #expect(try await operations.listWebhookEventTypes().events.contains("call.completed"))
            #expect(try await operations.getCredits().warningThresholds.count >= 0)
            do {
                _ = try await operations.getAssistant(assistant: UUID())
                Issue.record("an unknown assistant is a 404")
            } catch ClientError.api(let status, let code, _, _, _) {
                #expect(status == 404 && code == "not_found")
            }
        }
    }

    @Test func theClientDrivesJobsAndMapsErrors() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("swift-client")
            let workspace = try await api.createWorkspace(owner)
            let port = try #require(api.http.port)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            let client = VoicePartnerClient(baseURL: "http://127.0.0.1:\(port)", credential: .apiKey(key))

            struct CanaryArgs: Encodable, Sendable { let sleepMS: Int }
            let enqueued = try await client.enqueue(kind: "platform.canary", args: CanaryArgs(sleepMS: 5), idempotencyKey: "swift-1",
                                                    delaySeconds: 3600)
            #expect(!enqueued.duplicate)
            let again = try await client.enqueue(kind: "platform.canary", args: CanaryArgs(sleepMS: 5), idempotencyKey: "swift-1", delaySeconds: 3600)
            #expect(again.id == enqueued.id && again.duplicate)
            let job = try await client.job(enqueued.id)
            #expect(job.kind == "platform.canary" && job.state == "available" && job.maxAttempts > 0)
            let page = try await client.jobs(kind: "platform.canary", limit: 10)
            #expect(page.items.map(\.id).contains(enqueued.id))
            #expect(try await client.cancel(job: enqueued.id).state == "cancelled")
            do {
                _ = try await client.wait(for: enqueued.id, timeout: .seconds(5))
                Issue.record("a cancelled job must not be waited for successfully")
            } catch ClientError.jobFailed(let id, let state, _) {
                #expect(id == enqueued.id && state == "cancelled")
            }

            do {
                _ = try await client.job(999_999_999)
                Issue.record("a missing job is a 404")
            } catch ClientError.api(let status, let code, _, _, let requestID) {
                #expect(status == 404 && code == "not_found")
                #expect(requestID != nil)
            }
            do {
                _ = try await client.enqueue(kind: "no.such.kind", args: CanaryArgs(sleepMS: 0))
                Issue.record("an unknown kind is refused")
            } catch ClientError.api(let status, let code, _, let field, _) {
                #expect(status == 422 && code == "unknown_kind" && field == "kind")
            }
            do {
                _ = try await client.credits()
                Issue.record("a jobs key does not read credits")
            } catch let error as ClientError {
                #expect(error.code == "forbidden")
            }
            let user = VoicePartnerClient(baseURL: "http://127.0.0.1:\(port)",
                                          credential: .user(accessToken: owner.accessToken, workspaceID: workspace))
            #expect(try await user.credits().balance == 0)
        }
    }

    @Test func theClientDeploysRollsBackTalksInTextAndReadsATranscript() async throws {
        let model = LanguageModelStandIn()
        model.script(.text("We open at nine."), .text("Your order ships today."))
        try await ConversationTests.call(model: model) { call, model in
            let port = try #require(call.api.http.port)
            let client = VoicePartnerClient(baseURL: "http://127.0.0.1:\(port)",
                                            credential: .user(accessToken: call.owner.accessToken, workspaceID: call.workspace))
            let assistant = try #require(UUID(uuidString: call.assistantID))
            let frozen = try await client.versions(assistant: assistant)
            #expect(frozen.map(\.version) == [1] && frozen[0].toolIDs.isEmpty)

            let conversation = try await client.startConversation(assistant: assistant, version: 1)
            #expect(conversation.greeting == "Hello, this is the order desk." && conversation.assistantVersion == 1 && conversation.turns.isEmpty)
            let reply = try await client.say("When do you open?", in: conversation.id, assistant: assistant, idempotencyKey: "client-turn-1")
            #expect(reply.reply == "We open at nine." && reply.action == "continue" && reply.turn.callerText == "When do you open?")
            #expect(reply.turn.outcome == "ok" && reply.turn.model != nil)
            let repeated = try await client.say("When do you open?", in: conversation.id, assistant: assistant, idempotencyKey: "client-turn-1")
            #expect(repeated.turn.sequence == reply.turn.sequence && model.received.count == 1, "a repeated key asks the model once")
            #expect(try await client.conversation(conversation.id, assistant: assistant).turns.map(\.assistantText) == ["We open at nine."])

            let spoken = try await call.turn(1, "Where is my order?")
            #expect(spoken.body.contains("Your order ships today."), "\(spoken.body)")
            let transcript = try await client.transcript(call: try #require(UUID(uuidString: call.callID)))
            #expect(transcript.assistantVersion == 1 && transcript.status == "active" && transcript.analysis == nil)
            #expect(transcript.turns.map(\.callerText) == ["Where is my order?"] && transcript.turns.first?.inputTokens ?? 0 > 0)

            #expect(try await client.deploy(assistant: assistant).version == 2)
            let rolledBack = try await client.rollback(assistant: assistant, to: 1)
            #expect(rolledBack.version == 3 && rolledBack.status == "deployed")
            #expect(try await client.versions(assistant: assistant).map(\.version) == [3, 2, 1])
            do {
                _ = try await client.rollback(assistant: assistant, to: 42)
                Issue.record("an unknown version cannot be rolled back to")
            } catch let error as ClientError {
                #expect(error.code == "not_found")
            }
        }
    }

    @Test func theClientListsBuysAndBindsNumbers() async throws {
        try await CallTests.with(credits: 200_000) { setup in
            let port = try #require(setup.api.http.port)
            let client = VoicePartnerClient(baseURL: "http://127.0.0.1:\(port)",
                                            credential: .user(accessToken: setup.owner.accessToken, workspaceID: setup.workspace))
            let assistant = try #require(UUID(uuidString: setup.assistantID))
            let offered = "+1555" + String(Int.random(in: 1_000_000...9_999_999))
            setup.standIn.offer(offered)
            let available = try await client.availableNumbers(country: "US", contains: "555")
            #expect(available.offers.contains { $0.number == offered } && available.priceCredits == 50)
            let bought = try await client.purchaseNumber(offered, label: "Sales", assistant: assistant)
            #expect(bought.number == offered && bought.label == "Sales" && bought.providerStatus == "purchasing" && bought.assistantID == assistant)

            let own = "+1" + String(Int.random(in: 2_000_000_000...9_999_999_999))
            let registered = try await client.registerNumber(own, label: "Support")
            #expect(registered.assistantID == nil)
            #expect(try await client.bind(number: registered.id, to: assistant).assistantID == assistant)
            #expect(try await client.bind(number: registered.id, to: nil).assistantID == nil)
            let listed = try await client.phoneNumbers().map(\.number)
            #expect(listed.contains(offered) && listed.contains(own))
            do {
                _ = try await client.registerNumber("not a number")
                Issue.record("a malformed number is refused")
            } catch ClientError.api(let status, _, _, let field, _) {
                #expect(status == 422 && field == "number")
            }
        }
    }
}
