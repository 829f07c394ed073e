import Foundation
import Hummingbird
import Platform

/// A caller admitted to one workspace with a permission checked: the only way routes reach a
/// workspace's data, so every query they run is scoped to `workspaceID`.
struct WorkspaceAccess: Sendable {
    let workspaceID: UUID
    let caller: Caller
    /// The user's role; nil for API keys.
    let role: WorkspaceRole?
    let permissions: Set<Permission>
    let ip: String?

    var workspaceKey: String { workspaceID.idString }

    func allows(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// An audit entry for a change made through this access.
    func audit(_ action: String, _ resourceType: String, _ resourceID: String?, details: [String: String] = [:]) -> AuditEntry {
        let json = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return AuditEntry(workspaceID: workspaceID, actorUserID: caller.userID, actorKeyID: caller.keyID, action: action,
                          resourceType: resourceType, resourceID: resourceID, ip: ip, detailsJSON: json)
    }
}

extension APIServices {
    /// Admits the caller to a workspace: the one named in the path, else the API key's own, else the
    /// `X-Workspace-ID` header. A workspace the caller is not in answers 404 (its existence is not
    /// revealed); a permission the role or key lacks answers 403.
    func access(_ request: Request, _ context: APIRequestContext, workspace pathID: UUID? = nil, requiring permission: Permission) async throws -> WorkspaceAccess {
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
            let logger = self.logger
            guard let role = try await read({ try await WorkspaceStore.role(of: userID, in: workspaceID, on: $0, logger: logger) }) else {
                throw APIError.notFound("workspace")
            }
            let access = WorkspaceAccess(workspaceID: workspaceID, caller: caller, role: role,
                                         permissions: Permission.granted(to: role), ip: context.remoteIP)
            guard access.allows(permission) else { throw APIError.forbidden }
            return access
        }
    }
}

extension APIServices {
    /// The signed-in user if they run the platform (`PLATFORM_OPERATOR_EMAILS`), else 403.
    func requireOperator(_ context: APIRequestContext) async throws -> UUID {
        let userID = try context.requireUser("only platform operators may do this; sign in as one")
        let logger = self.logger
        guard let user = try await read({ try await AccountStore.user(id: userID, on: $0, logger: logger) }),
              configuration.platformOperators.contains(user.email.lowercased())
        else { throw APIError(.forbidden, .forbidden, "only platform operators may do this") }
        return userID
    }
}
