import Foundation
import Hummingbird
import Platform

/// `/api/workspaces/{id}/api-keys`: keys are shown once at creation and stored as digests.
struct APIKeyRoutes {
    let database: APIDatabase
    let accessControl: AccessControl
    let signIn: SignIn

    struct CreateBody: Decodable {
        let name: String
        let scopes: [String]
    }

    struct KeyView: ResponseEncodable {
        let id: String
        let name: String
        let prefix: String
        let scopes: [String]
        let createdAt: Date
        let lastUsedAt: Date?
        let revokedAt: Date?
        /// The whole key: only in the answer to its creation.
        let key: String?

        init(_ record: APIKeyRecord, key: String? = nil) {
            id = record.id.idString
            name = record.name
            prefix = record.prefix
            scopes = record.scopes
            createdAt = record.createdAt
            lastUsedAt = record.lastUsedAt
            revokedAt = record.revokedAt
            self.key = key
        }
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("api/workspaces/:workspace/api-keys", use: list)
        router.post("api/workspaces/:workspace/api-keys", use: create)
        router.delete("api/workspaces/:workspace/api-keys/:key", use: revoke)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> [KeyView] {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .apiKeysManage)
        let logger = database.logger
        return try await database.read { try await APIKeyStore.list(workspaceID: access.workspaceID, on: $0, logger: logger) }
            .map { KeyView($0) }
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<KeyView> {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .apiKeysManage)
        let body = try await RequestBody.decode(CreateBody.self, from: request, context: context)
        let name = try Validation.text(body.name, field: "name", maxLength: 100)
        let scopes = Array(Set(body.scopes)).sorted()
        guard !scopes.isEmpty else { throw APIError.validation(field: "scopes", "must name at least one scope") }
        if let unknown = scopes.first(where: { Permission.scopes[$0] == nil }) {
            throw APIError.validation(field: "scopes", "unknown scope \(unknown); known: \(Permission.scopes.keys.sorted().joined(separator: ", "))")
        }
        // A key never carries more than its creator may do.
        guard Permission.granted(toScopes: scopes).isSubset(of: access.permissions) else {
            throw APIError(.forbidden, .forbidden, "a key cannot have scopes beyond your own role")
        }
        let generated = APIKeyFormat.generate()
        let logger = database.logger
        let record = try await database.write { transaction in
            let record = try await APIKeyStore.create(
                workspaceID: access.workspaceID, name: name, prefix: generated.prefix, keyHash: generated.digest, scopes: scopes,
                createdBy: access.caller.userID, on: transaction.connection, logger: logger)
            try await AuditLog.record(access.audit("api_key.create", "api_key", record.id.idString,
                                                   details: ["name": name, "scopes": scopes.joined(separator: " ")]),
                                      on: transaction.connection, logger: logger)
            return record
        }
        return EditedResponse(status: .created, response: KeyView(record, key: generated.key))
    }

    @Sendable func revoke(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .apiKeysManage)
        let keyID = try PathParameter.uuid(context, "key")
        let logger = database.logger
        try await database.write { transaction in
            guard try await APIKeyStore.revoke(workspaceID: access.workspaceID, id: keyID, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("api key")
            }
            try await AuditLog.record(access.audit("api_key.revoke", "api_key", keyID.idString),
                                      on: transaction.connection, logger: logger)
        }
        signIn.apiKeys.forget(keyID: keyID)
        return Response(status: .noContent)
    }
}
