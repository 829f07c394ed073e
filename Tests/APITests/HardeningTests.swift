@testable import API
import Foundation
import HTTPTypes
import Jobs
import NIOCore
import NIOPosix
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing

/// What one request must never do: crash or stall the process (numbers, dates, cursors, schemas
/// from outside; methods no route uses), keep a privilege its grant no longer backs (demoted or
/// removed key creators, deleted or signed-out users, credentials following a tool elsewhere), or
/// slip past a path rule by spelling the path differently.
@Suite(.timeLimit(.minutes(5))) struct HardeningTests {
    static let huge = ["-9223372036854775808", "-9000000000000000000", "9223372036854775807", "-1", "253402300800000000"]

    @Test func numbersAndDatesFromOutsideAreRefusedWithA4xx() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("numbers")
            let workspace = try await api.createWorkspace(owner)
            let header = APIHarness.workspaceHeader(workspace)
            let id = UUID().lowercased
            for route in ["/api/assistants", "/api/tools", "/api/files", "/api/email/campaigns", "/api/calls/history"] {
                for micros in Self.huge {
                    let reply = try await api.call(.get, "\(route)?cursor=\(micros)_\(id)", as: owner.bearer, headers: header)
                    #expect(reply.status == .unprocessableContent, "\(route) cursor \(micros): \(reply.status) \(reply.body.text.prefix(200))")
                }
            }
            for limit in ["-1", "0", "9223372036854775808", "1e3", "201"] {
                #expect(try await api.call(.get, "/api/jobs?limit=\(limit)", as: owner.bearer, headers: header).status == .unprocessableContent)
            }
            for runAt in ["1700-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "300000-01-01T00:00:00Z", "2200-01-01T00:00:00Z"] {
                let reply = try await api.call(.post, "/api/jobs", json: .object(["kind": "platform.canary", "run_at": .string(runAt)]),
                                               as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "run_at \(runAt): \(reply.body.text)")
                #expect(reply["error"]?["details"]?["field"]?.string == "run_at", "\(reply.body.text)")
            }
            for (name, value) in [("since", "0000-12-31T00:00:00Z"), ("until", "99999-01-01T00:00:00Z"), ("until", "10000-01-01T00:00:00Z")] {
                let reply = try await api.call(.get, "/api/calls/history?\(name)=\(value)", as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(name) \(value): \(reply.body.text)")
            }
            #expect(try await api.call(.get, "/health/live").status == .ok)
        }
    }

    @Test func toolSchemasThatWouldCrashOrStallAreRefusedWhenSaved() async throws {
        try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2"]) { api in
            let owner = try await api.register("schemas")
            let header = APIHarness.workspaceHeader(try await api.createWorkspace(owner))
            let recursive = ##"{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}"##
            let schemas = [
                #"{"type": "object", "minProperties": 1e19}"#,
                #"{"type": "object", "properties": {"s": {"type": "string", "minLength": 1e19}}}"#,
                #"{"type": "object", "properties": {"s": {"type": "array", "minItems": 9223372036854775808}}}"#,
                ##"{"type": "object", "$defs": {"a": {"anyOf": [\##(recursive)]}}, "properties": {"x": {"$ref": "#/$defs/a"}}}"##,
            ]
            for (index, schema) in schemas.enumerated() {
                let reply = try await api.call(.post, "/api/tools", json: .object([
                    "name": .string("bad_schema_\(index)"), "method": "POST", "url": "https://127.0.0.2/hook",
                    "parameters": JSONValue(text: schema),
                ]), as: owner.bearer, headers: header)
                #expect(reply.status == .unprocessableContent, "\(schema): \(reply.body.text)")
            }
            // A schema that is fine to save but whose work grows with the arguments' depth is cut off.
            let branches = Array(repeating: ##"{"type": "object", "properties": {"a": {"$ref": "#/$defs/n"}}, "required": ["zz"]}"##, count: 4)
            let tool = try await ToolTests.create(api, owner, header, [
                "name": "deep", "method": "POST", "url": "https://127.0.0.2/hook",
                "parameters": JSONValue(text: ##"{"type": "object", "$defs": {"n": {"anyOf": [\##(branches.joined(separator: ", "))]}}, "##
                                              + ##""properties": {"a": {"$ref": "#/$defs/n"}}}"##),
            ])
            var argument = JSONValue.object([:])
            for _ in 0..<30 { argument = .object(["a": argument]) }
            async let tested = api.call(.post, "/api/tools/\(tool)/test", json: .object(["arguments": argument]), as: owner.bearer, headers: header)
            // The server keeps answering while that validation runs.
            #expect(try await api.call(.get, "/health/live").status == .ok)
            let reply = try await tested
            #expect(reply.status == .unprocessableContent, "\(reply.body.text)")
            #expect(reply.body.text.contains("too costly"))
        }
    }

    @Test func methodsNoRouteUsesAre405AtOnceAndCloseTheConnection() async throws {
        try await APIHarness.with { api in
            let port = try #require(api.http.port)
            for request in ["CONNECT /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                            "PROPFIND /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
                            "OPTIONS /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n"] {
                let started = ContinuousClock.now
                let answer = try await RawHTTP.exchange(request, port: port)
                #expect(answer.hasPrefix("HTTP/1.1 405"), "\(request): \(answer.prefix(80))")
                #expect(ContinuousClock.now - started < .seconds(5), "answered and closed at once: \(request)")
            }
            #expect(try await api.call(.get, "/health/live").status == .ok)
        }
    }

    @Test func aKeyActsWithinItsCreatorsCurrentRole() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("key-owner")
            let admin = try await api.register("key-admin")
            let workspace = try await api.createWorkspace(owner)
            try await api.addMember(admin, to: workspace, role: .admin, by: owner)
            let key = try await api.createKey(in: workspace, scopes: ["assistants:write", "webhooks:write"], by: admin)
            func createAssistant() async throws -> HTTPResponse.Status {
                try await api.call(.post, "/api/assistants", json: .object(["name": "Keyed"]), as: .apiKey(key)).status
            }
            func listWebhooks() async throws -> HTTPResponse.Status {
                try await api.call(.get, "/api/webhooks", as: .apiKey(key)).status
            }
            #expect(try await createAssistant() == .created)
            #expect(try await listWebhooks() == .ok)
            // Demoted to Member: assistants stay within the role, webhook management does not.
            let members = "/api/workspaces/\(workspace.lowercased)/members/\(admin.id.lowercased)"
            #expect(try await api.call(.put, members, json: .object(["role": "member"]), as: owner.bearer).status == .noContent)
            #expect(try await createAssistant() == .created)
            #expect(try await api.call(.post, "/api/webhooks", json: .object(["url": "https://127.0.0.2/h", "events": ["*"]]),
                                       as: .apiKey(key)).status == .forbidden)
            // Demoted to Viewer: no more writes.
            #expect(try await api.call(.put, members, json: .object(["role": "viewer"]), as: owner.bearer).status == .noContent)
            #expect(try await createAssistant() == .forbidden)
            // Removed: the key is revoked with the membership.
            #expect(try await api.call(.delete, members, as: owner.bearer).status == .noContent)
            #expect(try await listWebhooks() == .unauthorized)

            // A key whose creator no longer exists can do nothing, whatever its scopes.
            let gone = try await api.register("key-gone")
            try await api.addMember(gone, to: workspace, role: .owner, by: owner)
            let orphan = try await api.createKey(in: workspace, scopes: ["jobs:read", "assistants:read"], by: gone)
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(orphan)).status == .ok)
            try await api.database.query("DELETE FROM users WHERE id = \(gone.id)", logger: api.logger)
            api.services.signIn.apiKeys.forgetAll()
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(orphan)).status == .forbidden)
            #expect(try await api.call(.get, "/api/assistants", as: .apiKey(orphan)).status == .forbidden)
        }
    }

    @Test func aDeletedOrSignedOutUsersTokenOpensNothing() async throws {
        try await APIHarness.with { api in
            let leaving = try await api.register("leaving")
            let workspace = try await api.createWorkspace(leaving)
            #expect(try await api.call(.get, "/api/workspaces", as: leaving.bearer).status == .ok)
            // Signed out everywhere (what a password reset does): the old token is refused, a new sign-in works.
            let signedOut = try await api.register("signed-out")
            try await api.database.withConnection { try await AccountStore.endSessions(userID: signedOut.id, on: $0, logger: api.logger) }
            api.services.signIn.sessions.forget(signedOut.id)
            let refused = try await api.call(.get, "/api/workspaces", as: signedOut.bearer)
            #expect(refused.status == .unauthorized)
            #expect(refused.errorCode == "invalid_token")
            let login = try await api.call(.post, "/auth/login",
                                           json: .object(["email": .string(signedOut.email), "password": .string(signedOut.password)]))
            let fresh = try #require(login["access_token"]?.string)
            #expect(try await api.call(.get, "/api/workspaces", as: .bearer(fresh)).status == .ok)

            try await api.database.query("DELETE FROM users WHERE id = \(leaving.id)", logger: api.logger)
            api.services.signIn.sessions.forget(leaving.id)
            #expect(try await api.call(.get, "/api/workspaces", as: leaving.bearer).status == .unauthorized)
            #expect(try await api.call(.post, "/api/me/export", as: leaving.bearer).status == .unauthorized)
            #expect(try await api.call(.post, "/api/workspaces", json: .object(["name": "Ghost"]), as: leaving.bearer).status == .unauthorized)
            #expect(try await api.call(.get, "/api/workspaces/\(workspace.lowercased)", as: leaving.bearer).status == .unauthorized)
        }
    }

    @Test func aDashboardCookieIsNeverRenewedPastASignOut() async throws {
        try await APIHarness.with { api in
            let user = try await api.register("cookie")
            let cookie = try await DashboardTests.signIn(api, user.email)
            #expect(try await api.call(.get, "/api/me", as: user.bearer).status == .ok, "this process now keeps the user's epoch")
            // Signed out by another API process: this one's answer is still kept for a moment, and
            // the page it serves renews the cookie, under the epoch the cookie had.
            try await api.database.withConnection { try await AccountStore.endSessions(userID: user.id, on: $0, logger: api.logger) }
            let page = try await DashboardTests.request(api, .get, "/dashboard", cookie: cookie)
            #expect(page.status == .ok, "\(page.status)")
            let renewed = String(try #require(page.headers[.setCookie]).split(separator: ";")[0])
            api.services.signIn.sessions.forget(user.id)
            for stale in [cookie, renewed] {
                let refused = try await DashboardTests.request(api, .get, "/dashboard", cookie: stale)
                #expect(refused.status == .seeOther && refused.headers[.location] == "/dashboard/login")
            }
        }
    }

    @Test func aRemovedMembersKeysStayRevokedWhenTheyReturn() async throws {
        try await APIHarness.with { api in
            let owner = try await api.register("return-owner")
            let member = try await api.register("returning")
            let workspace = try await api.createWorkspace(owner)
            try await api.addMember(member, to: workspace, role: .admin, by: owner)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:read"], by: member)
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(key)).status == .ok)
            #expect(try await api.call(.delete, "/api/workspaces/\(workspace.lowercased)/members/\(member.id.lowercased)",
                                       as: owner.bearer).status == .noContent)
            try await api.addMember(member, to: workspace, role: .admin, by: owner)
            #expect(try await api.call(.get, "/api/jobs", as: .apiKey(key)).status == .unauthorized)
        }
    }

    @Test func storedCredentialsDoNotFollowAToolToAnotherHost() async throws {
        try await APIHarness.with(["OUTBOUND_ALLOWED_HOSTS": "127.0.0.2,127.0.0.3"]) { api in
            let owner = try await api.register("cred-owner")
            let member = try await api.register("cred-member")
            let workspace = try await api.createWorkspace(owner)
            try await api.addMember(member, to: workspace, role: .member, by: owner)
            let header = APIHarness.workspaceHeader(workspace)
            let tool = try await ToolTests.create(api, owner, header, [
                "name": "crm", "method": "POST", "url": "https://127.0.0.2/crm/{id}",
                "parameters": JSONValue(text: #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}"#),
                "auth": .object(["type": "bearer", "token": "owner-secret-token"]),
            ])
            // Same host, other path: the credentials stay.
            let samePlace = try await api.call(.put, "/api/tools/\(tool)", json: .object(["url": "https://127.0.0.2/v2/crm/{id}"]),
                                               as: member.bearer, headers: header)
            #expect(samePlace.status == .ok, "\(samePlace.body.text)")
            // Another host: refused unless the credentials come again.
            let moved = try await api.call(.put, "/api/tools/\(tool)", json: .object(["url": "https://127.0.0.3/crm/{id}"]),
                                           as: member.bearer, headers: header)
            #expect(moved.status == .unprocessableContent)
            #expect(moved["error"]?["details"]?["field"]?.string == "auth", "\(moved.body.text)")
            let sameTypeNoSecret = try await api.call(.put, "/api/tools/\(tool)", json: .object([
                "url": "https://127.0.0.3/crm/{id}", "auth": .object(["type": "bearer"]),
            ]), as: member.bearer, headers: header)
            #expect(sameTypeNoSecret.status == .unprocessableContent)
            #expect(sameTypeNoSecret["error"]?["details"]?["field"]?.string == "auth.token", "\(sameTypeNoSecret.body.text)")
            let shown = try await api.call(.get, "/api/tools/\(tool)", as: owner.bearer, headers: header)
            #expect(shown["url"]?.string == "https://127.0.0.2/v2/crm/{id}", "refused changes changed nothing")
            let withOwnSecret = try await api.call(.put, "/api/tools/\(tool)", json: .object([
                "url": "https://127.0.0.3/crm/{id}", "auth": .object(["type": "bearer", "token": "member-token"]),
            ]), as: member.bearer, headers: header)
            #expect(withOwnSecret.status == .ok, "\(withOwnSecret.body.text)")
        }
    }

    @Test func pathSpellingsReachTheSameLimits() async throws {
        try await APIHarness.with(["RATE_LIMIT_AUTH": "fixed:4/60s"]) { api in
            for (path, canonical) in [("//auth/login", "/auth/login"), ("///auth/login", "/auth/login"), ("/dashboard//login", "/dashboard/login"),
                                      ("/auth/./login", "/auth/login"), ("/api/../auth/login", "/auth/login"),
                                      ("//api/jobs?state=available", "/api/jobs?state=available")] {
                let reply = try await api.call(.post, path, json: .object(["email": "a@example.com", "password": "x"]))
                #expect(reply.status == .permanentRedirect, "\(path): \(reply.status)")
                #expect(reply.headers[.location] == canonical, "\(path)")
            }
            // The trailing-slash spelling the router accepts spends the same allowance.
            let body = JSONValue.object(["email": "nobody@example.com", "password": "wrong password"])
            var statuses: [HTTPResponse.Status] = []
            for path in ["/auth/login/", "/auth/login", "/auth/login/", "/auth/login", "/auth/login/"] {
                statuses.append(try await api.call(.post, path, json: body).status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    @Test func onlyTrustedProxiesNameTheClient() async throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.0/8, 127.0.0.1, ::1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.1, 203.0.113.9, 10.1.2.3"]) == "203.0.113.9",
                "the nearest untrusted hop; what the client wrote further left is not believed")
        #expect(proxies.clientAddress(peer: "198.51.100.7", forwardedFor: ["203.0.113.9"]) == "198.51.100.7", "an untrusted peer's header is ignored")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["not-an-address"]) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9:4711"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "::ffff:127.0.0.1", forwardedFor: ["[2001:db8::5]:80"]) == "2001:db8::5")
        #expect(throws: ConfigurationError.self) { _ = try TrustedProxies(parsing: "10.0.0.0/33") }
        #expect(throws: ConfigurationError.self) { _ = try TrustedProxies(parsing: "proxy.internal") }

        // Behind a trusted proxy each forwarded client has its own per-IP allowance; without one,
        // the header changes nothing.
        let body = JSONValue.object(["email": "nobody@example.com", "password": "wrong password"])
        @Sendable func statuses(_ api: APIHarness, _ clients: [String]) async throws -> [HTTPResponse.Status] {
            var result: [HTTPResponse.Status] = []
            for client in clients {
                result.append(try await api.call(.post, "/auth/login", json: body,
                                                 headers: [HTTPField.Name("X-Forwarded-For")!: client]).status)
            }
            return result
        }
        // Addresses of this run alone (the audit log keeps earlier runs' rows).
        @Sendable func address() -> String {
            "2001:db8:\(String(Int.random(in: 0x1000...0xffff), radix: 16)):\(String(Int.random(in: 0x1000...0xffff), radix: 16))::1"
        }
        let a = address(), b = address()
        try await APIHarness.with(["RATE_LIMIT_AUTH": "fixed:2/60s", "TRUSTED_PROXIES": "127.0.0.0/8,::1"]) { api in
            #expect(try await statuses(api, [a, a, b, a]) == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            let audit = try await api.database.query(
                "SELECT count(*) FROM audit_log WHERE action = 'user.login_failed' AND ip = \(b)", logger: api.logger)
            for try await count in audit.decode(Int.self) { #expect(count == 1, "failed sign-ins are audited with the client's address") }
        }
        try await APIHarness.with(["RATE_LIMIT_AUTH": "fixed:2/60s"]) { api in
            let shared = try await statuses(api, [a, b, address()])
            #expect(shared == [.unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    /// Operators' numbers are inputs too: settings whose arithmetic would overflow are refused at
    /// startup with the variable named, instead of trapping on the first request that uses them.
    @Test func settingsThatWouldOverflowAreRefusedAtStartup() throws {
        for rule in ["fixed:1/9999999999999999h", "sliding:1/99999999999m", "bucket:10@0.0000000000000001/s", "bucket:10@inf/s",
                     "fixed:99999999999/1s", "bucket:99999999999@1/s"] {
            #expect(throws: ConfigurationError.self, "\(rule)") { _ = try RateLimitRule(parsing: rule, variable: "RATE_LIMIT_READ") }
        }
        #expect(throws: Never.self) { _ = try RateLimitRule(parsing: "fixed:10/8760h", variable: "RATE_LIMIT_READ") }
        for variable in ["CALL_RESERVE_MILLICREDITS", "CALL_COST_PER_MINUTE_MILLICREDITS", "TRANSCRIPTION_COST_PER_MINUTE_MILLICREDITS"] {
            #expect(throws: ConfigurationError.self, "\(variable)") {
                _ = try CallSettings(environment: Environment([variable: "9223372036854775807"]))
            }
        }
    }

    @Test func answersCarryTheSecurityHeaders() async throws {
        try await APIHarness.with { api in
            let health = try await api.call(.get, "/health/live")
            #expect(health.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let user = try await api.register("headers")
            let login = try await api.call(.post, "/auth/login", json: .object(["email": .string(user.email), "password": .string(user.password)]))
            #expect(login.headers[.cacheControl] == "no-store")
            #expect(login.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let workspace = try await api.createWorkspace(user)
            let key = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/api-keys",
                                         json: .object(["name": "k", "scopes": ["jobs:read"]]), as: user.bearer)
            #expect(key.headers[.cacheControl] == "no-store")
            let docs = try await api.call(.get, "/docs")
            #expect(docs.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(docs.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'") == true)
        }
    }
}

/// One request written as raw bytes, for methods and spellings an HTTP client will not send; the
/// answer is what arrives until the server closes the connection or 5 s pass.
enum RawHTTP {
    static func exchange(_ request: String, port: Int) async throws -> String {
        try await Task.detached {
            let socket = try Socket(port: port)
            defer { socket.close() }
            try socket.send(request)
            return socket.receiveUntilClosed(timeout: .seconds(5))
        }.value
    }

    struct Socket {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
        }

        func receiveUntilClosed(timeout: Duration) -> String {
            var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }

        func close() { _ = Glibc.close(descriptor) }
    }
}
