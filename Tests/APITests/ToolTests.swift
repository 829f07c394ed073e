@testable import API
import Foundation
import HTTPTypes
import Jobs
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing

/// Custom tools end to end: saved with checked schemas, URLs and sealed credentials, called against a
/// real local endpoint (query, JSON body, API key, bearer, OAuth client credentials with a cached
/// token, timeouts, truncation, redirects), refused for every SSRF spelling while a canary on
/// loopback hears nothing, run as `tools.invoke` jobs in their own workspace, and counted in usage.
@Suite(.timeLimit(.minutes(5))) struct ToolTests {
    static let orderSchema = JSONValue(text: """
        {"type": "object", "required": ["order_id"], "additionalProperties": false, "properties": {
           "order_id": {"type": "string", "pattern": "^[0-9]+$"},
           "expand": {"type": "array", "items": {"type": "string", "enum": ["items", "customer"]}},
           "verbose": {"type": "boolean"}}}
        """)

    static func create(_ api: APIHarness, _ owner: APIHarness.User, _ header: HTTPFields, _ tool: [String: JSONValue]) async throws -> String {
        let reply = try await api.call(.post, "/api/tools", json: .object(tool), as: owner.bearer, headers: header)
        try #require(reply.status == .created, "\(reply.body.text)")
        return try #require(reply["id"]?.string)
    }

    @Test func toolsAreCheckedCalledMappedAndCounted() async throws {
        let endpoint = ToolEndpointStandIn()
        try await endpoint.run { base in
            try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                let owner = try await api.register("tools")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let order = try await Self.create(api, owner, header, [
                    "name": "get_order", "description": "Looks an order up", "category": "api", "method": "GET",
                    "url": .string("\(base)/echo/orders/{order_id}"), "parameters": Self.orderSchema,
                    "auth": .object(["type": "api_key", "header": "X-Shop-Key", "key": "shop-secret-1"]),
                    "response": .object(["fields": ["method", "path", "query", "headers.x-shop-key"]]),
                ])
                let shown = try await api.call(.get, "/api/tools/\(order)", as: owner.bearer, headers: header)
                #expect(shown["auth"] == .object(["type": "api_key", "settings": .object(["header": "X-Shop-Key"]), "secret_set": true]))
                #expect(!shown.body.text.contains("shop-secret-1"))
                let stored = try await api.database.query("SELECT auth_secret_sealed FROM tools WHERE id = \(UUID(uuidString: order)!)",
                                                          logger: api.logger)
                for try await sealed in stored.decode(String?.self) { #expect(sealed?.contains("shop-secret") == false) }

                let called = try await api.call(.post, "/api/tools/\(order)/test", json: .object(["arguments": .object([
                    "order_id": "42", "expand": ["items", "customer"], "verbose": true,
                ])]), as: owner.bearer, headers: header)
                #expect(called.status == .ok, "\(called.body.text)")
                #expect(called["ok"] == true)
                #expect(called["status"]?.number == 200)
                #expect(called["response"] == .object([
                    "method": "GET", "path": "/echo/orders/42", "query": "expand=items&expand=customer&verbose=true",
                    "headers.x-shop-key": "shop-secret-1",
                ]))

                // Bad arguments are a 422 naming the path, and never reach the endpoint.
                let before = endpoint.requests.count
                for (arguments, path) in [(JSONValue.object(["order_id": "x1"]), "/order_id"), (.object([:]), "/order_id"),
                                          (.object(["order_id": "1", "expand": ["everything"]]), "/expand/0"),
                                          (.object(["order_id": "1", "extra": 1]), "/extra")] {
                    let reply = try await api.call(.post, "/api/tools/\(order)/test", json: .object(["arguments": arguments]),
                                                   as: owner.bearer, headers: header)
                    #expect(reply.status == .unprocessableContent, "\(arguments.text)")
                    #expect(reply["error"]?["details"]?["path"]?.string == path, "\(reply.body.text)")
                }
                #expect(endpoint.requests.count == before)

                // A POST tool sends its arguments as JSON with a bearer token; the whole answer comes back.
                let ticket = try await Self.create(api, owner, header, [
                    "name": "create_ticket", "method": "POST", "url": .string("\(base)/echo/tickets"),
                    "parameters": JSONValue(text: #"{"type": "object", "properties": {"subject": {"type": "string"}, "#
                                                  + #""priority": {"type": "integer"}}}"#),
                    "auth": .object(["type": "bearer", "token": "t0k"]),
                ])
                let posted = try await api.call(.post, "/api/tools/\(ticket)/test",
                                                json: .object(["arguments": .object(["subject": "Help", "priority": 2])]),
                                                as: owner.bearer, headers: header)
                #expect(posted["response"]?["body"] == .object(["subject": "Help", "priority": 2]))
                #expect(posted["response"]?["headers"]?["authorization"]?.string == "Bearer t0k")
                #expect(posted["response"]?["headers"]?["content-type"]?.string == "application/json")

                // Another status, a timeout and an oversized answer are recorded as such.
                let failing = try await Self.create(api, owner, header, ["name": "failing", "method": "GET", "url": .string("\(base)/status/503")])
                let failed = try await api.call(.post, "/api/tools/\(failing)/test", json: .object([:]), as: owner.bearer, headers: header)
                #expect(failed["ok"] == false)
                #expect(failed["outcome"]?.string == "http_error")
                #expect(failed["status"]?.number == 503)
                let slow = try await Self.create(api, owner, header,
                                                 ["name": "slow", "method": "GET", "url": .string("\(base)/slow"), "timeout_ms": 300])
                let timedOut = try await api.call(.post, "/api/tools/\(slow)/test", json: .object([:]), as: owner.bearer, headers: header)
                #expect(timedOut["outcome"]?.string == "timeout", "\(timedOut.body.text)")
                let big = try await Self.create(api, owner, header, ["name": "big", "method": "GET", "url": .string("\(base)/big"),
                                                                     "response": .object(["max_bytes": 1024])])
                let truncated = try await api.call(.post, "/api/tools/\(big)/test", json: .object([:]), as: owner.bearer, headers: header)
                #expect(truncated["truncated"] == true)
                #expect(truncated["bytes"]?.number == 1024)
                #expect(truncated["response"]?.string?.utf8.count == 1024)

                // A changed header keeps the stored key; usage counts the calls that went out.
                let changed = try await api.call(.put, "/api/tools/\(order)", json: .object(["auth": .object(["type": "api_key",
                                                                                                              "header": "X-Other-Key"]),
                                                                                           "timeout_ms": 5000]), as: owner.bearer, headers: header)
                #expect(changed["timeout_ms"]?.number == 5000)
                let again = try await api.call(.post, "/api/tools/\(order)/test", json: .object(["arguments": .object(["order_id": "7"])]),
                                               as: owner.bearer, headers: header)
                #expect(again["response"]?["headers.x-shop-key"] == .null)
                let usage = try await api.call(.get, "/api/tools/\(order)/usage?period=24h", as: owner.bearer, headers: header)
                #expect(usage["calls"]?.number == 2)
                #expect(usage["by_outcome"] == .object(["ok": 2]))
                #expect(usage["by_source"] == .object(["test": 2]))
                #expect(usage["p50_latency_ms"]?.number != nil)
                #expect(usage["series"]?.array?.compactMap { $0["calls"]?.number }.reduce(0, +) == 2)
                let slowUsage = try await api.call(.get, "/api/tools/\(slow)/usage", as: owner.bearer, headers: header)
                #expect(slowUsage["by_outcome"] == .object(["timeout": 1]))

                let list = try await api.call(.get, "/api/tools?limit=2", as: owner.bearer, headers: header)
                #expect(list["items"]?.array?.count == 2)
                #expect(list["next_cursor"]?.string != nil)
                #expect(try await api.call(.delete, "/api/tools/\(big)", as: owner.bearer, headers: header).status == .noContent)
                #expect(try await api.call(.get, "/api/tools/\(big)", as: owner.bearer, headers: header).status == .notFound)
            }
        }
    }

    @Test func savingRefusesBadSchemasURLsAndAuth() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("tools-check")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let base: [String: JSONValue] = ["name": "lookup", "url": "https://api.example.com/items/{id}",
                                             "parameters": JSONValue(text: #"{"type": "object", "required": ["id"], "#
                                                 + #""properties": {"id": {"type": "string"}}}"#)]
            _ = try await Self.create(api, owner, header, base)
            let duplicate = try await api.call(.post, "/api/tools", json: .object(base), as: owner.bearer, headers: header)
            #expect(duplicate.status == .conflict)
            let cases: [([String: JSONValue], String, String?)] = [
                (["parameters": JSONValue(text: #"{"type": "object", "properties": {"id": {"type": "text"}}}"#)], "parameters",
                 "/properties/id/type"),
                (["parameters": JSONValue(text: #"{"type": "array"}"#)], "parameters", nil),
                (["url": "https://api.example.com/items/{item}"], "url", nil),
                (["url": "https://{id}.example.com/"], "url", nil),
                (["url": "ftp://example.com/x"], "url", nil),
                (["url": "http://127.0.0.1:8080/x"], "url", nil),
                (["url": "http://[::ffff:127.0.0.1]/x"], "url", nil),
                (["url": "http://169.254.169.254/latest/meta-data"], "url", nil),
                (["name": "has space"], "name", nil),
                (["method": "TRACE"], "method", nil),
                (["category": "magic"], "category", nil),
                (["timeout_ms": 5], "timeout_ms", nil),
                (["auth": .object(["type": "bearer"])], "auth.token", nil),
                (["auth": .object(["type": "basic", "password": "p"])], "auth.username", nil),
                (["auth": .object(["type": "api_key", "key": "k", "header": "Host"])], "auth.header", nil),
                (["auth": .object(["type": "oauth2", "token_url": "http://10.0.0.1/token", "client_id": "c", "client_secret": "s"])],
                 "auth.token_url", nil),
                (["auth": .object(["type": "bearer", "token": "t", "password": "p"])], "auth.password", nil),
                (["response": .object(["fields": ["a b"]])], "response.fields", nil),
            ]
            for (index, (change, field, path)) in cases.enumerated() {
                var tool = base
                tool["name"] = .string("tool_\(index)")
                tool.merge(change) { $1 }
                let reply = try await api.call(.post, "/api/tools", json: .object(tool), as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(change): \(reply.body.text)")
                #expect(reply["error"]?["details"]?["field"]?.string == field, "\(change): \(reply.body.text)")
                if let path { #expect(reply["error"]?["details"]?["path"]?.string == path) }
            }
        }
    }

    @Test func oauthTokensAreFetchedOnceAndReused() async throws {
        let endpoint = ToolEndpointStandIn()
        try await endpoint.run { base in
            try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                let owner = try await api.register("tools-oauth")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let secure = try await Self.create(api, owner, header, [
                    "name": "secure", "method": "GET", "url": .string("\(base)/secure"),
                    "auth": .object(["type": "oauth2", "token_url": .string("\(base)/oauth/token"),
                                     "client_id": .string(ToolEndpointStandIn.clientID),
                                     "client_secret": .string(ToolEndpointStandIn.clientSecret), "scope": "orders.read"]),
                ])
                for _ in 0..<3 {
                    let reply = try await api.call(.post, "/api/tools/\(secure)/test", json: .object([:]), as: owner.bearer, headers: header)
                    #expect(reply["status"]?.number == 200, "\(reply.body.text)")
                    #expect(reply["response"] == .object(["secret": "data"]))
                }
                #expect(endpoint.tokensIssued == 1)
                let wrong = try await Self.create(api, owner, header, [
                    "name": "wrong_secret", "method": "GET", "url": .string("\(base)/secure"),
                    "auth": .object(["type": "oauth2", "token_url": .string("\(base)/oauth/token"),
                                     "client_id": .string(ToolEndpointStandIn.clientID),
                                     "client_secret": "nope"]),
                ])
                let refused = try await api.call(.post, "/api/tools/\(wrong)/test", json: .object([:]), as: owner.bearer, headers: header)
                #expect(refused["outcome"]?.string == "auth_error")
                #expect(refused["status"]?.number == 401)
            }
        }
    }

    /// The canary counts TCP connections, not HTTP requests: a refused call must not even connect.
    @Test func theSSRFListIsRefusedAndTheCanaryHearsNothing() async throws {
        let canary = try TCPCanary()
        defer { canary.stop() }
        let canaryBase = "http://127.0.0.1:\(canary.port)"
        // The canary hears a connection when one is made: here, one of the test's own.
        _ = try await RawHTTP.exchange("", port: canary.port)
        let deadline = ContinuousClock.now + .seconds(10)
        while canary.connections < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(canary.connections == 1)
        let endpoint = ToolEndpointStandIn()
        do {
            try await endpoint.run { base in
                try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                    let owner = try await api.register("tools-ssrf")
                    let workspace = try await api.createWorkspace(owner)
                    let header = APIHarness.workspaceHeader(workspace)
                    let port = try #require(URL(string: canaryBase)?.port)
                    // Addresses written out are refused when saved.
                    for (index, url) in ["http://127.0.0.1:\(port)/echo/x", "http://[::1]:\(port)/echo/x", "http://[::ffff:127.0.0.1]:\(port)/echo/x",
                                         "http://169.254.169.254/latest/meta-data/"].enumerated() {
                        let reply = try await api.call(.post, "/api/tools", json: .object(["name": .string("literal_\(index)"), "url": .string(url)]),
                                                       as: owner.bearer, headers: header)
                        #expect(reply.status == .unprocessableContent, "\(url)")
                    }
                    // Spellings only the resolver expands are refused when called.
                    for (index, url) in ["http://2130706433:\(port)/echo/x", "http://0x7f.1:\(port)/echo/x", "http://localhost:\(port)/echo/x",
                                         "http://127.1:\(port)/echo/x"].enumerated() {
                        let tool = try await Self.create(api, owner, header,
                                                         ["name": .string("spelled_\(index)"), "method": "GET", "url": .string(url)])
                        let reply = try await api.call(.post, "/api/tools/\(tool)/test", json: .object([:]), as: owner.bearer, headers: header)
                        #expect(reply["outcome"]?.string == "refused", "\(url): \(reply.body.text)")
                    }
                    // A redirect from an allowed host to loopback is refused; to the allowed host it is followed.
                    let hop = try await Self.create(api, owner, header, [
                        "name": "hop", "method": "GET", "url": .string("\(base)/redirect"),
                        "parameters": JSONValue(text: #"{"type": "object", "properties": {"to": {"type": "string"}}}"#),
                    ])
                    let inward = try await api.call(.post, "/api/tools/\(hop)/test",
                                                    json: .object(["arguments": .object(["to": .string("\(canaryBase)/echo/x")])]),
                                                    as: owner.bearer, headers: header)
                    #expect(inward["outcome"]?.string == "refused", "\(inward.body.text)")
                    let followed = try await api.call(.post, "/api/tools/\(hop)/test",
                                                      json: .object(["arguments": .object(["to": .string("\(base)/echo/landed")])]),
                                                      as: owner.bearer, headers: header)
                    #expect(followed["response"]?["path"]?.string == "/echo/landed", "\(followed.body.text)")
                    #expect(canary.connections == 1, "the canary was connected to \(canary.connections - 1) times by tools")
                    #expect(endpoint.requests.contains { $0.hasPrefix("GET /echo/landed") })
                }
            }
        }
    }

    @Test func invokeRunsAsAJobOfTheWorkspaceOnly() async throws {
        let endpoint = ToolEndpointStandIn()
        try await endpoint.run { base in
            try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
                let owner = try await api.register("tools-job")
                let workspace = try await api.createWorkspace(owner)
                let header = APIHarness.workspaceHeader(workspace)
                let viewer = try await api.register("tools-viewer")
                try await api.addMember(viewer, to: workspace, role: .viewer, by: owner)
                let stranger = try await api.register("tools-stranger")
                let otherWorkspace = try await api.createWorkspace(stranger)
                let order = try await Self.create(api, owner, header, ["name": "get_order", "method": "GET",
                                                                      "url": .string("\(base)/echo/orders/{order_id}"),
                                                                      "parameters": Self.orderSchema])
                let missing = try await Self.create(api, owner, header, ["name": "missing", "method": "GET", "url": .string("\(base)/status/404")])
                let unavailable = try await Self.create(api, owner, header,
                                                        ["name": "unavailable", "method": "GET", "url": .string("\(base)/status/503")])

                var idempotent = header
                idempotent[HTTPField.Name("Idempotency-Key")!] = "call-1"
                let first = try await api.call(.post, "/api/tools/\(order)/invoke", json: .object(["arguments": .object(["order_id": "9"])]),
                                               as: owner.bearer, headers: idempotent)
                #expect(first.status == .accepted, "\(first.body.text)")
                let repeated = try await api.call(.post, "/api/tools/\(order)/invoke", json: .object(["arguments": .object(["order_id": "9"])]),
                                                  as: owner.bearer, headers: idempotent)
                #expect(repeated["job_id"] == first["job_id"])
                #expect(repeated["duplicate"] == true)
                let bad = try await api.call(.post, "/api/tools/\(order)/invoke", json: .object(["arguments": .object(["order_id": "nine"])]),
                                             as: owner.bearer, headers: header)
                #expect(bad.status == .unprocessableContent)

                let jobID = Int64(try #require(first["job_id"]?.number))
                let job = InvokeToolHandler(client: api.database, invoker: api.services.configuration.providers.tools)
                func run(_ tool: String, _ arguments: JSONValue, in workspace: UUID, id: Int64 = 1) async throws -> JobOutcome {
                    let context = JobContext(jobID: id, kind: InvokeToolJob.name, queue: "tools", attempt: 1, maxAttempts: 4,
                                             workspaceID: workspace.lowercased, logger: api.logger, progressReporter: { _, _ in })
                    return try await job.run(.init(toolID: UUID(uuidString: tool)!, arguments: arguments), context: context)
                }
                guard case .success(let result?) = try await run(order, .object(["order_id": "9"]), in: workspace, id: jobID) else {
                    Issue.record("the call did not succeed")
                    return
                }
                #expect(JSONValue(text: result)["response"]?["path"]?.string == "/echo/orders/9")
                let logged = try await api.database.query("SELECT count(*)::int FROM tool_calls WHERE job_id = \(jobID) AND source = 'job'",
                                                          logger: api.logger)
                for try await count in logged.decode(Int.self) { #expect(count == 1) }
                // Another workspace's job cannot reach this workspace's tool.
                guard case .discard(let reason) = try await run(order, .object(["order_id": "9"]), in: otherWorkspace) else {
                    Issue.record("a foreign tool id must be discarded")
                    return
                }
                #expect(reason.contains("does not exist"))
                guard case .discard = try await run(missing, .object([:]), in: workspace) else { Issue.record("a 404 ends the job"); return }
                await #expect(throws: (any Error).self, "a 503 is retried") { _ = try await run(unavailable, .object([:]), in: workspace) }

                // Through /api/jobs with a key: tools:invoke may, jobs:write alone may not.
                let invokeKey = try await api.createKey(in: workspace, scopes: ["tools:invoke"], by: owner)
                let jobsKey = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
                let enqueue = JSONValue.object(["kind": "tools.invoke",
                                                "args": .object(["tool_id": .string(order), "arguments": .object(["order_id": "3"])])])
                let viaJobs = try await api.call(.post, "/api/jobs", json: enqueue, as: .apiKey(invokeKey))
                #expect(viaJobs.status == .accepted, "\(viaJobs.body.text)")
                #expect(try await api.call(.post, "/api/jobs", json: enqueue, as: .apiKey(jobsKey)).status == .forbidden)

                // Roles: a Viewer reads but neither changes nor calls; an outsider sees nothing.
                #expect(try await api.call(.get, "/api/tools/\(order)", as: viewer.bearer, headers: header).status == .ok)
                #expect(try await api.call(.post, "/api/tools/\(order)/test", json: .object([:]), as: viewer.bearer,
                                           headers: header).status == .forbidden)
                #expect(try await api.call(.delete, "/api/tools/\(order)", as: viewer.bearer, headers: header).status == .forbidden)
                #expect(try await api.call(.get, "/api/tools/\(order)", as: stranger.bearer,
                                           headers: APIHarness.workspaceHeader(otherWorkspace)).status == .notFound)
                #expect(try await api.call(.get, "/api/tools/\(order)", as: stranger.bearer, headers: header).status == .notFound)
            }
        }
    }
}
