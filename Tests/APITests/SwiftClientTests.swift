@testable import API
import Foundation
import Jobs
import Platform
import Testing
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
}
