import Foundation
import Hummingbird
import Platform

/// Who may do what in which workspace: every route admits its caller here before it reads or
/// changes a workspace's data.
struct AccessControl: Sendable {
    let database: APIDatabase
    /// `PLATFORM_OPERATOR_EMAILS`, lowercased.
    let platformOperators: Set<String>

    /// Admits the caller to a workspace: the one named in the path, else the API key's own, else the
    /// `X-Workspace-ID` header. A workspace the caller is not in answers 404 (its existence is not
    /// revealed); a permission the role or key lacks answers 403.
    func admit(_ request: Request, _ context: APIRequestContext, workspace pathID: UUID? = nil,
                requiring permission: Permission) async throws -> WorkspaceAccess {
        let caller = try context.requireCaller()
        switch caller {
        case .apiKey(let key, let creatorRole):
            if let pathID, pathID != key.workspaceID { throw APIError.notFound("workspace") }
            let creatorPermissions = creatorRole.map(Permission.granted(to:)) ?? []
            let access = WorkspaceAccess(workspaceID: key.workspaceID, caller: caller, role: nil,
                                         permissions: Permission.granted(toScopes: key.scopes).intersection(creatorPermissions),
                                         ip: context.remoteIP)
            guard access.allows(permission) else { throw APIError.forbidden }
            return access
        case .user(let userID):
            let workspaceID: UUID
            if let pathID {
                workspaceID = pathID
            } else if let header = request.headers[.workspaceID] {
                guard let id = UUID(uuidString: header) else {
                    throw APIError(.badRequest, .workspaceRequired, "X-Workspace-ID must be a workspace id")
                }
                workspaceID = id
            } else {
                throw APIError(.badRequest, .workspaceRequired, "name the workspace in the X-Workspace-ID header")
            }
            let logger = database.logger
            guard let role = try await database.read({ try await WorkspaceStore.role(of: userID, in: workspaceID, on: $0, logger: logger) }) else {
                throw APIError.notFound("workspace")
            }
            let access = WorkspaceAccess(workspaceID: workspaceID, caller: caller, role: role,
                                         permissions: Permission.granted(to: role), ip: context.remoteIP)
            guard access.allows(permission) else { throw APIError.forbidden }
            return access
        }
    }

    /// `admit`, or for a platform operator who is not admitted by it, any existing workspace named
    /// in `X-Workspace-ID` with `permission` alone: what operators may do for a workspace (buying
    /// numbers). The audit log names the operator as the actor.
    func admitOrOperator(_ request: Request, _ context: APIRequestContext, requiring permission: Permission) async throws -> WorkspaceAccess {
        let refusal: APIError
        do {
            return try await admit(request, context, requiring: permission)
        } catch let error as APIError {
            guard error.status == .notFound || error.status == .forbidden else { throw error }
            refusal = error
        }
        guard case .user(let userID) = try context.requireCaller(), try await isOperator(userID),
              let workspaceID = request.headers[.workspaceID].flatMap({ UUID(uuidString: $0) })
        else { throw refusal }
        let logger = database.logger
        guard try await database.read({ try await WorkspaceStore.workspace(id: workspaceID, on: $0, logger: logger) }) != nil else {
            throw APIError.notFound("workspace")
        }
        return WorkspaceAccess(workspaceID: workspaceID, caller: .user(userID), role: nil, permissions: [permission], ip: context.remoteIP)
    }

    /// Whether the user runs the platform (`PLATFORM_OPERATOR_EMAILS`).
    func isOperator(_ userID: UUID) async throws -> Bool {
        let logger = database.logger
        guard let user = try await database.read({ try await AccountStore.user(id: userID, on: $0, logger: logger) }) else { return false }
        return platformOperators.contains(user.email.lowercased())
    }

    /// The signed-in user if they run the platform (`PLATFORM_OPERATOR_EMAILS`), else 403.
    func requireOperator(_ context: APIRequestContext) async throws -> UUID {
        let userID = try context.requireUser("only platform operators may do this; sign in as one")
        guard try await isOperator(userID) else { throw APIError(.forbidden, .forbidden, "only platform operators may do this") }
        return userID
    }
}
