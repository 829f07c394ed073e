@testable import API
import Crypto
import Foundation
import HTTPTypes
import Jobs
import Platform
import PostgresNIO
import ServerSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct AuthTests {
    @Test func registerLoginAndMe() async throws {
        try await APIHarness.with { api in
            let user = try await api.register("alice")
            let me = try await api.call(.get, "/api/me", as: user.bearer)
            #expect(me.status == .ok)
            #expect(me["email"]?.string == user.email)

            // The seed's login example sends the address as `username`; the address is case-insensitive.
            let login = try await api.call(.post, "/auth/login", json: .object([
                "username": .string(user.email.uppercased()), "password": .string(user.password),
            ]))
            #expect(login.status == .ok)
            #expect(login["token_type"]?.string == "bearer")
            let form = try await api.call(.post, "/auth/login", raw: "username=\(user.email)&password=correct+horse+battery+staple",
                                          headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .ok, "\(form.body.text)")

            let wrong = try await api.call(.post, "/auth/login",
                                           json: .object(["email": .string(user.email), "password": .string("wrong password!")]))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "invalid_credentials")
            let unknown = try await api.call(.post, "/auth/login",
                                             json: .object(["email": .string("nobody-\(UUID())@example.com"), "password": .string("whatever12345")]))
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "invalid_credentials")
            #expect(try await api.call(.get, "/api/me").status == .unauthorized)
        }
    }

    @Test func registrationRejectsBadInputWithTheField() async throws {
        try await APIHarness.with { api in
            let user = try await api.register("dup")
            let taken = try await api.call(.post, "/auth/register", json: .object([
                "email": .string(user.email.uppercased()), "password": .string("another long password"),
            ]))
            #expect(taken.status == .conflict)
            #expect(taken.errorCode == "email_taken")
            let cases: [(JSONValue, String)] = [
                (.object(["email": .string("not-an-address"), "password": .string("long enough password")]), "email"),
                (.object(["email": .string("a@example.com"), "password": .string("short")]), "password"),
                (.object(["email": .string("a@example.com"), "password": .string(String(repeating: "é", count: 40))]), "password"),
                (.object(["email": .string("a@example.com")]), "password"),
                (.object(["email": .number(5), "password": .string("long enough password")]), "email"),
            ]
            for (body, field) in cases {
                let reply = try await api.call(.post, "/auth/register", json: body)
                #expect(reply.status == .unprocessableContent, "\(body.text)")
                #expect(reply.errorCode == "validation_failed")
                #expect(reply["error"]?["details"]?["field"]?.string == field, "\(reply.body.text)")
            }
            let malformed = try await api.call(.post, "/auth/register", raw: "{\"email\": ")
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "invalid_json")
        }
    }

    @Test func refreshRotatesAndReuseRevokesTheChain() async throws {
        try await APIHarness.with { api in
            let user = try await api.register("rotate")
            let first = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(user.refreshToken)]))
            #expect(first.status == .ok)
            let second = try #require(first["refresh_token"]?.string)
            #expect(second != user.refreshToken)
            // The stolen first token comes back: refused, and the chain it belongs to dies with it.
            let reuse = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(user.refreshToken)]))
            #expect(reuse.status == .unauthorized)
            #expect(reuse.errorCode == "refresh_token_reused")
            let afterRevoke = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(second)]))
            #expect(afterRevoke.status == .unauthorized)
            #expect(afterRevoke.errorCode == "refresh_token_reused")
            // A separate login is a separate chain and still works; logout ends it.
            let login = try await api.call(.post, "/auth/login", json: .object(["email": .string(user.email), "password": .string(user.password)]))
            let other = try #require(login["refresh_token"]?.string)
            #expect(try await api.call(.post, "/auth/logout", json: .object(["refresh_token": .string(other)])).status == .noContent)
            #expect(try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(other)])).status == .unauthorized)
            let garbage = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string("nope")]))
            #expect(garbage.errorCode == "invalid_token")
        }
    }

    @Test func forgedAndExpiredAccessTokensAreRefused() async throws {
        try await APIHarness.with { api in
            let user = try await api.register("jwt")
            let configuration = api.services.configuration
            let now = Int(Date().timeIntervalSince1970)
            let good: [String: Any] = ["sub": user.id.lowercased, "iss": configuration.jwtIssuer, "aud": configuration.jwtAudience,
                                       "exp": now + 600, "iat": now]
            // The hand-made token with the right key passes, so each refusal below is for its one flaw.
            #expect(try await api.call(.get, "/api/me", as: .bearer(JWTForge.token(good, secret: APIHarness.secret))).status == .ok)
            var cases: [(String, String)] = []
            cases.append(("alg none", JWTForge.token(good, secret: nil, algorithm: "none")))
            cases.append(("wrong key", JWTForge.token(good, secret: "another-secret-0123456789abcdef-0123456789")))
            cases.append(("HS512", JWTForge.token(good, secret: APIHarness.secret, algorithm: "HS512")))
            var claims = good
            claims["iss"] = "someone-else"
            cases.append(("wrong iss", JWTForge.token(claims, secret: APIHarness.secret)))
            claims = good
            claims["aud"] = "another-api"
            cases.append(("wrong aud", JWTForge.token(claims, secret: APIHarness.secret)))
            claims = good
            claims["exp"] = now - 5
            cases.append(("expired", JWTForge.token(claims, secret: APIHarness.secret)))
            claims = good
            claims.removeValue(forKey: "exp")
            cases.append(("no exp", JWTForge.token(claims, secret: APIHarness.secret)))
            let signed = JWTForge.token(good, secret: APIHarness.secret)
            var parts = signed.split(separator: ".").map(String.init)
            var tampered = good
            tampered["sub"] = UUID().uuidString.lowercased()
            parts[1] = JWTForge.segment(tampered)
            cases.append(("tampered payload", parts.joined(separator: ".")))
            cases.append(("not a token", "abc.def"))
            for (name, token) in cases {
                let reply = try await api.call(.get, "/api/me", as: .bearer(token))
                #expect(reply.status == .unauthorized, "\(name)")
                #expect(reply.errorCode == "invalid_token", "\(name)")
            }
        }
    }

    @Test func noSecretIsStoredInTheClear() async throws {
        try await APIHarness.with(productionPasswordCost: true) { api in
            let owner = try await api.register("secrets")
            let refreshed = try await api.call(.post, "/auth/refresh", json: .object(["refresh_token": .string(owner.refreshToken)]))
            let workspace = try await api.createWorkspace(owner)
            let key = try await api.createKey(in: workspace, scopes: ["jobs:write"], by: owner)
            let invite = try await api.call(.post, "/api/workspaces/\(workspace.lowercased)/members",
                                            json: .object(["email": .string("invitee-\(UUID())@example.com")]), as: owner.bearer)
            let secrets = [owner.password, owner.refreshToken, try #require(refreshed["refresh_token"]?.string), key,
                           try #require(invite["token"]?.string)]
            for table in ["users", "refresh_tokens", "api_keys", "workspace_invites", "audit_log"] {
                let rows = try await api.database.query("SELECT t::text FROM \(unescaped: table) t", logger: api.logger)
                for try await row in rows.decode(String.self) {
                    for secret in secrets { #expect(!row.contains(secret), "\(table) holds a secret") }
                }
            }
            // The password is a bcrypt hash of cost 12 or more.
            let rows = try await api.database.query("SELECT password_hash FROM users WHERE id = \(owner.id)", logger: api.logger)
            for try await hash in rows.decode(String.self) {
                #expect(hash.hasPrefix("$2b$12$") || hash.hasPrefix("$2b$13$") || hash.hasPrefix("$2b$14$"), "\(hash.prefix(7))")
            }
        }
    }
}

/// Builds JWTs by hand, flaws included, to check what the API refuses.
enum JWTForge {
    static func segment(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return data.base64URLEncoded
    }

    static func token(_ claims: [String: Any], secret: String?, algorithm: String = "HS256") -> String {
        let input = segment(["alg": algorithm, "typ": "JWT"]) + "." + segment(claims)
        guard let secret else { return input + "." }
        let key = SymmetricKey(data: Data(secret.utf8))
        let signature: Data = algorithm == "HS512"
            ? Data(HMAC<SHA512>.authenticationCode(for: Data(input.utf8), using: key))
            : Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key))
        return input + "." + signature.base64URLEncoded
    }
}
