@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import QueueEngine
import ServerSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct JobRouteTests {
    @Test func enqueueReadCancelAndRetryThroughTheEngine() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("jobs")
            let workspace = try await api.createWorkspace(owner)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            let enqueued = try await api.call(.post, "/api/jobs", json: .object([
                "kind": .string("platform.canary"), "args": .object(["sleepMS": .number(5)]),
                "priority": .number(3), "delay_seconds": .number(3600), "tags": .array([.string("from-test")]),
            ]), as: .bearer(key))
            #expect(enqueued.status == .accepted, "\(enqueued.body.text)")
            #expect(enqueued.headers[HTTPField.Name("X-Request-ID")!] != nil)
            let id = Int64(try #require(enqueued["id"]?.number))
            // The engine holds it, in this workspace, with the options given.
            let stored = try await api.services.database.queue.store.job(id: id, workspaceID: workspace.lowercased)
            #expect(stored.kind == "platform.canary")
            #expect(stored.priority == 3)
            #expect(stored.tags == ["from-test"])
            #expect(stored.runAt > Date().addingTimeInterval(3000))
            let shown = try await api.call(.get, "/api/jobs/\(id)", as: .apiKey(key))
            #expect(shown["state"]?.string == "available")
            #expect(shown["args"]?["sleepMS"]?.number == 5)

            let cancelled = try await api.call(.post, "/api/jobs/\(id)/cancel", as: .apiKey(key))
            #expect(cancelled["state"]?.string == "cancelled")
            let again = try await api.call(.post, "/api/jobs/\(id)/cancel", as: .apiKey(key))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "invalid_state")
            let retried = try await api.call(.post, "/api/jobs/\(id)/retry", as: .apiKey(key))
            #expect(retried["state"]?.string == "available")

            let listed = try await api.call(.get, "/api/jobs?state=available&kind=platform.canary", as: .apiKey(key))
            #expect(listed["items"]?.array?.compactMap { $0["id"]?.number }.map { Int64($0) } == [id])
            let none = try await api.call(.get, "/api/jobs?state=completed", as: .apiKey(key))
            #expect(none["items"]?.array?.isEmpty == true)
            #expect(try await api.call(.get, "/api/jobs?state=exploded", as: .apiKey(key)).status == .unprocessableContent)
            #expect(try await api.call(.get, "/api/jobs/999999999999", as: .apiKey(key)).status == .notFound)
            #expect(try await api.call(.get, "/api/jobs/abc", as: .apiKey(key)).status == .notFound)
        }
    }

    @Test func idempotencyKeyReturnsTheSameJobPerWorkspace() async throws {
        try await APIHarness.with { api in
            let ownerA = try await api.register("a")
            let ownerB = try await api.register("b")
            let keyA = try await api.createKey(in: try await api.createWorkspace(ownerA), scopes: ["jobs:write"], by: ownerA)
            let keyB = try await api.createKey(in: try await api.createWorkspace(ownerB), scopes: ["jobs:write"], by: ownerB)
            let body = JSONValue.object(["kind": .string("platform.canary")])
            let idempotency: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-42"]
            let first = try await api.call(.post, "/api/jobs", json: body, as: .apiKey(keyA), headers: idempotency)
            let second = try await api.call(.post, "/api/jobs", json: body, as: .apiKey(keyA), headers: idempotency)
            #expect(first.status == .accepted)
            #expect(second.status == .ok)
            #expect(second["duplicate"] == .bool(true))
            #expect(first["id"] == second["id"])
            // The same key in another workspace is another job.
            let other = try await api.call(.post, "/api/jobs", json: body, as: .apiKey(keyB), headers: idempotency)
            #expect(other.status == .accepted)
            #expect(other["id"] != first["id"])
        }
    }

    @Test func badEnqueuesAreFourHundredsWithTheField() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("bad")
            let workspace = try await api.createWorkspace(owner)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            let readKey = try await api.createKey(in: workspace, scopes: ["jobs:read"], by: owner)
            let cases: [(String, JSONValue?, String?, HTTPResponse.Status, String)] = [
                ("unknown kind", .object(["kind": .string("no.such.kind")]), nil, .unprocessableContent, "unknown_kind"),
                ("maintenance kind", .object(["kind": .string("maintenance.prune-jobs"), "args": .object(["retentionHours": .number(1)])]), nil,
                 .unprocessableContent, "unknown_kind"),
                ("args not an object", .object(["kind": .string("platform.canary"), "args": .array([])]), nil,
                 .unprocessableContent, "validation_failed"),
                ("args of the wrong type", .object(["kind": .string("platform.canary"), "args": .object(["sleepMS": .string("soon")])]), nil,
                 .unprocessableContent, "validation_failed"),
                ("misspelt option", .object(["kind": .string("platform.canary"), "delay": .number(5)]), nil,
                 .unprocessableContent, "validation_failed"),
                ("missing kind", .object([:]), nil, .unprocessableContent, "validation_failed"),
                ("kind of the wrong type", .object(["kind": .number(1)]), nil, .unprocessableContent, "validation_failed"),
                ("too many attempts", .object(["kind": .string("platform.canary"), "max_attempts": .number(1000)]), nil,
                 .unprocessableContent, "validation_failed"),
                ("malformed JSON", nil, "{\"kind\": \"platform.canary\"", .badRequest, "invalid_json"),
                ("text after the object", nil, "{\"kind\": \"platform.canary\"} x", .badRequest, "invalid_json"),
                ("escaped misspelt option", nil, #"{"kind": "platform.canary", "del\u0061y": 5}"#, .unprocessableContent, "validation_failed"),
                // Bodies the hand-written parser declines: the decoder's checks still answer.
                ("misspelt option twice", nil, #"{"kind": "platform.canary", "delay": 5, "delay": 6}"#, .unprocessableContent,
                 "validation_failed"),
                ("a delay too small for a Double", nil, #"{"kind": "platform.canary", "delay_seconds": 1e-400}"#, .badRequest, "invalid_json"),
                ("a leading zero", nil, #"{"kind": "platform.canary", "priority": 01}"#, .badRequest, "invalid_json"),
                ("empty body", nil, "", .badRequest, "invalid_json"),
                ("oversized body", nil, "{\"kind\": \"platform.canary\", \"args\": {\"pad\": \"" + String(repeating: "x", count: 2 << 20) + "\"}}",
                 .contentTooLarge, "payload_too_large"),
            ]
            for (name, json, raw, status, code) in cases {
                let reply = try await api.call(.post, "/api/jobs", json: json, raw: raw, as: .apiKey(key))
                #expect(reply.status == status, "\(name): \(reply.body.text.prefix(300))")
                #expect(reply.errorCode == code, "\(name)")
            }
            let xml = try await api.call(.post, "/api/jobs", raw: "<job/>", as: .apiKey(key), headers: [.contentType: "application/xml"])
            #expect(xml.status == .unsupportedMediaType)
            let readOnly = try await api.call(.post, "/api/jobs", json: .object(["kind": .string("platform.canary")]), as: .apiKey(readKey))
            #expect(readOnly.status == .forbidden)
            // None of it reached the queue.
            let listed = try await api.call(.get, "/api/jobs", as: .apiKey(key))
            #expect(listed["items"]?.array?.isEmpty == true)
        }
    }

    @Test func errorsHaveOneShapeAndARequestID() async throws {
        try await APIHarness.with { api in
            let missing = try await api.call(.get, "/api/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            let traced = try await api.call(.get, "/api/me", headers: [HTTPField.Name("X-Request-ID")!: "trace-123"])
            #expect(traced.status == .unauthorized)
            #expect(traced.headers[HTTPField.Name("X-Request-ID")!] == "trace-123")
            #expect(traced["error"]?["request_id"]?.string == "trace-123")
            let badKey = try await api.call(.get, "/api/jobs", as: .apiKey("vpk_nothing_real"))
            #expect(badKey.status == .unauthorized)
            #expect(badKey.errorCode == "invalid_token")
            let health = try await api.call(.get, "/health/ready")
            #expect(health.status == .ok)
            #expect(health["database"]?.string == "up")
        }
    }

    @Test func revokedKeysStopWorking() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("revoke")
            let workspace = try await api.createWorkspace(owner)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:read"], by: owner)
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(key)).status == .ok)
            let keys = try await api.call(.get, "/api/workspaces/\(workspace.lowercased)/api-keys", as: owner.bearer)
            let listed = try #require(keys.body.array?.first)
            #expect(listed["key"] == nil || listed["key"] == .null, "a key is shown only once")
            #expect(key.hasPrefix(listed["prefix"]?.string ?? "-"))
            #expect(listed["last_used_at"]?.string != nil)
            let id = try #require(listed["id"]?.string)
            #expect(try await api.call(.delete, "/api/workspaces/\(workspace.lowercased)/api-keys/\(id)", as: owner.bearer).status == .noContent)
            let after = try await api.call(.get, "/api/jobs", as: .apiKey(key))
            #expect(after.status == .unauthorized)
            // A key cannot be given more than its creator's role allows, nor unknown scopes.
            let unknown = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/api-keys",
                                             json: .object(["name": .string("x"), "scopes": .array([.string("root")])]), as: owner.bearer)
            #expect(unknown.status == .unprocessableContent)
        }
    }
}

extension JobRouteTests {
    /// PostgreSQL text cannot hold U+0000: every way it can arrive is a 4xx, never a server error.
    @Test func nulCharactersAreRefusedWherePostgreSQLWouldFail() async throws {
        try await APIHarness.with { api in
            let login = try await api.call(.post, "/auth/login", raw: #"{"email": "a\u0000@example.com", "password": "x"}"#)
            #expect(login.status == .unprocessableContent, "\(login.body.text)")
            let form = try await api.call(.post, "/auth/login", raw: "username=a%00b%40example.com&password=x",
                                          headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unprocessableContent, "\(form.body.text)")
            let owner = try await api.register("nul")
            let header = APIHarness.workspaceHeader(try await api.createWorkspace(owner))
            let assistant = try await api.call(.post, "/api/assistants", raw: #"{"name": "A\u0000"}"#, as: owner.bearer, headers: header)
            #expect(assistant.status == .unprocessableContent)
            let listed = try await api.call(.get, "/api/jobs?kind=a%00b", as: owner.bearer, headers: header)
            #expect(listed.status == .unprocessableContent)
            // A backslash followed by the text u0000 is ordinary text.
            let text = try await api.call(.post, "/api/assistants", raw: #"{"name": "A\\u0000"}"#, as: owner.bearer, headers: header)
            #expect(text.status == .created, "\(text.body.text)")
        }
    }
}
