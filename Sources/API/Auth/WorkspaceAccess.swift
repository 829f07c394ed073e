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
        let json = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return AuditEntry(workspaceID: workspaceID, actorUserID: caller.userID, actorKeyID: caller.keyID, action: action,
                          resourceType: resourceType, resourceID: resourceID, ip: ip, detailsJSON: json)
    }
}
