@testable import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jobs
import Logging
import NIOCore
import Platform
import PostgresNIO
import QueueEngine
import ServerSupport
import Testing

/// The API served over real HTTP on a free port, against the real database the test command
/// started; helpers to call it as a user or with a key. Each test makes its own users and
/// workspaces (unique addresses), so tests run in parallel without seeing each other.
struct APIHarness: Sendable {
    static let secret = "test-secret-0123456789abcdef-0123456789abcdef"
    static let logger: Logger = {
        var logger = Logger(label: "api-test")
        logger.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"] ?? "warning") ?? .warning
        return logger
    }()

    let services: APIServices
    let http: any TestClientProtocol
    var database: PostgresClient { services.database.client }
    var logger: Logger { Self.logger }

    /// `productionPasswordCost` keeps the cost `BCRYPT_COST` gives (12 unless set); otherwise
    /// bcrypt runs at its cheapest cost: at the production minimum each hash is a quarter second
    /// of one core, and the suite's hundreds of registrations queued behind each other for longer
    /// than a request may take.
    static func configuration(_ overrides: [String: String] = [:], productionPasswordCost: Bool = false) throws -> APIConfiguration {
        var values = ProcessInfo.processInfo.environment
        values["JWT_SECRET"] = secret
        values["SECRETS_KEY"] = secret
        values["API_PORT"] = "0"
        // Each harness spends allowances of its own: all tests call from 127.0.0.1.
        values["RATE_LIMIT_KEY_PREFIX"] = "test-\(UUID().uuidString.prefix(8)):"
        values.merge(overrides) { $1 }
        var configuration = try APIConfiguration(environment: Environment(values))
        if !productionPasswordCost { configuration.bcryptCost = 4 }
        return configuration
    }

    static func with(_ overrides: [String: String] = [:], productionPasswordCost: Bool = false,
                     _ body: @escaping @Sendable (APIHarness) async throws -> Void) async throws {
        let configuration = try configuration(overrides, productionPasswordCost: productionPasswordCost)
        let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        try await client.whileRunning {
            try await PlatformMigrations.migrator(client: client, logger: logger).migrate()
            let services = await APIServices(configuration: configuration, client: client, publisher: nil, logger: logger)
            let app = APIApplication.build(services: services)
            try await app.test(.live) { http in
                // The live test client connects as the test starts; a test that made no request could end
                // while that connect was still under way, and the connection it then completed held the
                // server's graceful shutdown open for ever. One request first settles it.
                _ = try await http.execute(uri: "/health/live", method: .get) { $0.status }
                try await body(APIHarness(services: services, http: http))
            }
        }
    }

    // MARK: Calls

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: JSONValue

        subscript(_ key: String) -> JSONValue? { body[key] }
        var errorCode: String? { body["error"]?["code"]?.string }
    }

    enum Credential: Sendable {
        case bearer(String)
        case apiKey(String)
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, json: JSONValue? = nil, raw: String? = nil,
              as credential: Credential? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        switch credential {
        case .bearer(let token): headers[.authorization] = "Bearer \(token)"
        case .apiKey(let key): headers[HTTPField.Name("X-API-Key")!] = key
        case nil: break
        }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json.text)
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await http.execute(uri: path, method: method, headers: headers, body: body) { response in
            let text = String(buffer: response.body)
            let value = text.isEmpty ? JSONValue.null : JSONValue(text: text)
            if let problem = ResponseConformance.problem(method: method, path: path, status: response.status.code,
                                                         contentType: response.headers[.contentType], body: text) {
                Issue.record("the answer does not follow the OpenAPI document: \(problem)")
            }
            return Reply(status: response.status, headers: response.headers, body: value)
        }
    }

    // MARK: Actors

    struct User: Sendable {
        let id: UUID
        let email: String
        let password: String
        let accessToken: String
        let refreshToken: String
        var bearer: Credential { .bearer(accessToken) }
    }

    static let password = "correct horse battery staple"

    func register(_ name: String = "user") async throws -> User {
        let email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let reply = try await call(.post, "/auth/register", json: .object([
            "email": .string(email), "password": .string(Self.password), "first_name": .string(name), "last_name": .string("Test"),
        ]))
        try #require(reply.status == .created, "register: \(reply.body.text)")
        return User(id: try #require(UUID(uuidString: reply["user"]?["id"]?.string ?? "")), email: email, password: Self.password,
                    accessToken: try #require(reply["access_token"]?.string), refreshToken: try #require(reply["refresh_token"]?.string))
    }

    func createWorkspace(_ owner: User, name: String = "Workspace") async throws -> UUID {
        let reply = try await call(.post, "/api/workspaces/", json: .object(["name": .string(name)]), as: owner.bearer)
        try #require(reply.status == .created, "create workspace: \(reply.body.text)")
        return try #require(UUID(uuidString: reply["id"]?.string ?? ""))
    }

    /// Makes `user` a member of `workspace` with `role` through the invite flow.
    func addMember(_ user: User, to workspace: UUID, role: WorkspaceRole, by owner: User) async throws {
        let invite = try await call(.post, "/api/workspaces/\(workspace.lowercased)/members",
                                    json: .object(["email": .string(user.email), "role": .string(role.rawValue)]), as: owner.bearer)
        try #require(invite.status == .created, "invite: \(invite.body.text)")
        let accepted = try await call(.post, "/api/invites/accept", json: .object(["token": invite["token"] ?? .null]), as: user.bearer)
        try #require(accepted.status == .ok, "accept: \(accepted.body.text)")
    }

    func createKey(in workspace: UUID, scopes: [String], by owner: User) async throws -> String {
        let reply = try await call(.post, "/api/workspaces/\(workspace.lowercased)/api-keys",
                                   json: .object(["name": .string("test key"), "scopes": .array(scopes.map { .string($0) })]),
                                   as: owner.bearer)
        try #require(reply.status == .created, "create key: \(reply.body.text)")
        return try #require(reply["key"]?.string)
    }

    /// Workspace-scoped routes for a user name the workspace in a header.
    static func workspaceHeader(_ workspace: UUID) -> HTTPFields {
        [HTTPField.Name("X-Workspace-ID")!: workspace.lowercased]
    }
}

extension UUID {
    var lowercased: String { uuidString.lowercased() }
}

