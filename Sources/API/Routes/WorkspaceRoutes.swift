import Foundation
import Hummingbird
import Platform
import ServerSupport

/// `/api/workspaces`: the caller's workspaces, and one workspace's details, settings and audit trail.
struct WorkspaceRoutes {
    let database: APIDatabase
    let accessControl: AccessControl

    struct WorkspaceBody: Decodable {
        let name: String?
        let description: String?
    }

    struct WorkspaceView: ResponseEncodable {
        let id: String
        let name: String
        let description: String
        let role: WorkspaceRole?
        let createdAt: Date
        let updatedAt: Date

        init(_ workspace: WorkspaceRecord, role: WorkspaceRole?) {
            id = workspace.id.idString
            name = workspace.name
            description = workspace.description
            self.role = role
            createdAt = workspace.createdAt
            updatedAt = workspace.updatedAt
        }
    }

    struct AuditView: Encodable, Sendable {
        let id: Int64
        let action: String
        let resourceType: String
        let resourceID: String?
        let actorUserID: String?
        let actorKeyID: String?
        let ip: String?
        let details: JSONValue
        let createdAt: Date
    }

    func add(to router: Router<APIRequestContext>) {
        // The router treats `/api/workspaces/` (the seed's spelling) and `/api/workspaces` alike.
        router.get("api/workspaces", use: list)
        router.post("api/workspaces", use: create)
        router.get("api/workspaces/:workspace", use: show)
        router.put("api/workspaces/:workspace", use: update)
        router.delete("api/workspaces/:workspace", use: delete)
        router.get("api/workspaces/:workspace/audit", use: audit)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> [WorkspaceView] {
        let userID = try Self.requireUser(context)
        let logger = database.logger
        return try await database.read { try await WorkspaceStore.list(userID: userID, on: $0, logger: logger) }
            .map { WorkspaceView($0.0, role: $0.1) }
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<WorkspaceView> {
        let userID = try Self.requireUser(context)
        let body = try await RequestBody.decode(WorkspaceBody.self, from: request, context: context)
        let name = try Validation.text(body.name ?? "", field: "name", maxLength: 120)
        let description = try Validation.text(body.description ?? "", field: "description", maxLength: 2_000, allowEmpty: true)
        let logger = database.logger
        let workspace = try await database.write { transaction in
            let workspace = try await WorkspaceStore.create(name: name, description: description, ownerID: userID,
                                                            on: transaction.connection, logger: logger)
            try await AuditLog.record(AuditEntry(workspaceID: workspace.id, actorUserID: userID, actorKeyID: nil, action: "workspace.create",
                                                 resourceType: "workspace", resourceID: workspace.id.idString,
                                                 ip: context.remoteIP),
                                      on: transaction.connection, logger: logger)
            return workspace
        }
        return EditedResponse(status: .created, response: WorkspaceView(workspace, role: .owner))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> WorkspaceView {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .workspaceRead)
        let logger = database.logger
        guard let workspace = try await database.read({ try await WorkspaceStore.workspace(id: access.workspaceID, on: $0, logger: logger) }) else {
            throw APIError.notFound("workspace")
        }
        return WorkspaceView(workspace, role: access.role)
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> WorkspaceView {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .workspaceUpdate)
        let body = try await RequestBody.decode(WorkspaceBody.self, from: request, context: context)
        let name = try body.name.map { try Validation.text($0, field: "name", maxLength: 120) }
        let description = try body.description.map { try Validation.text($0, field: "description", maxLength: 2_000, allowEmpty: true) }
        let logger = database.logger
        let workspace = try await database.write { transaction in
            guard let workspace = try await WorkspaceStore.update(id: access.workspaceID, name: name, description: description,
                                                                  on: transaction.connection, logger: logger)
            else { throw APIError.notFound("workspace") }
            var changed: [String: String] = [:]
            if let name { changed["name"] = name }
            if description != nil { changed["description"] = "changed" }
            try await AuditLog.record(access.audit("workspace.update", "workspace", access.workspaceKey, details: changed),
                                      on: transaction.connection, logger: logger)
            return workspace
        }
        return WorkspaceView(workspace, role: access.role)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .workspaceDelete)
        let logger = database.logger
        try await database.write { transaction in
            guard try await WorkspaceStore.delete(id: access.workspaceID, on: transaction.connection, logger: logger) else {
                throw APIError.notFound("workspace")
            }
            try await AuditLog.record(access.audit("workspace.delete", "workspace", access.workspaceKey),
                                      on: transaction.connection, logger: logger)
        }
        return Response(status: .noContent)
    }

    @Sendable func audit(_ request: Request, context: APIRequestContext) async throws -> Page<AuditView> {
        let access = try await accessControl.admit(request, context, workspace: PathParameter.uuid(context, "workspace"), requiring: .auditRead)
        let limit = try Validation.limit(request.uri.queryParameters["limit"].map(String.init))
        let before = try IDCursor.parse(request.uri.queryParameters["cursor"])
        let logger = database.logger
        let entries = try await database.read {
            try await AuditLog.entries(workspaceID: access.workspaceID, beforeID: before, limit: limit, on: $0, logger: logger)
        }
        return Page(entries, limit: limit, cursor: { String($0.id) }) {
            AuditView(id: $0.id, action: $0.action, resourceType: $0.resourceType, resourceID: $0.resourceID,
                      actorUserID: $0.actorUserID?.idString, actorKeyID: $0.actorKeyID?.idString, ip: $0.ip,
                      details: JSONValue(text: $0.detailsJSON), createdAt: $0.createdAt)
        }
    }

    static func requireUser(_ context: APIRequestContext) throws -> UUID {
        try context.requireUser("API keys cannot manage workspaces; sign in as a user")
    }
}
