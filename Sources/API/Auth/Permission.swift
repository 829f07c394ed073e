import Platform

/// Everything a caller may be allowed to do in a workspace. Roles and API-key scopes both map onto
/// this one table, so a route asks for a permission and never for a role.
enum Permission: String, Sendable, CaseIterable {
    case workspaceRead, workspaceUpdate, workspaceDelete
    case membersRead, membersManage
    case apiKeysManage
    case auditRead
    case jobsRead, jobsWrite
    case assistantsRead, assistantsWrite
    case phoneNumbersRead, phoneNumbersManage
    /// Buying numbers spends the workspace's credits at the provider: Owners (and platform operators) only.
    case phoneNumbersPurchase
    case creditsRead, creditsManage
    case callsRead, callsWrite
    case filesRead, filesWrite
    case emailRead, emailSend
    case analyticsRead
    case toolsRead, toolsWrite, toolsInvoke
    case webhooksRead, webhooksManage
    /// The web dashboard of the workspace's jobs (Owners and Admins).
    case dashboard

    /// What each role may do, built once: every request admitted by role or key asks.
    static func granted(to role: WorkspaceRole) -> Set<Permission> {
        switch role {
        case .owner: ownerPermissions
        case .admin: adminPermissions
        case .member: memberPermissions
        case .viewer: viewerPermissions
        }
    }

    private static let ownerPermissions = table(role: .owner)
    private static let adminPermissions = table(role: .admin)
    private static let memberPermissions = table(role: .member)
    private static let viewerPermissions = table(role: .viewer)

    /// The permission table: what each role may do.
    private static func table(role: WorkspaceRole) -> Set<Permission> {
        switch role {
        case .owner:
            return Set(allCases)
        case .admin:
            return Set(allCases).subtracting([.workspaceDelete, .phoneNumbersPurchase])
        case .member:
            return [.workspaceRead, .membersRead, .jobsRead, .jobsWrite, .assistantsRead, .assistantsWrite, .phoneNumbersRead, .creditsRead,
                    .callsRead, .callsWrite, .filesRead, .filesWrite, .emailRead, .analyticsRead,
                    .toolsRead, .toolsWrite, .toolsInvoke, .webhooksRead]
        case .viewer:
            return [.workspaceRead, .membersRead, .jobsRead, .assistantsRead, .phoneNumbersRead, .creditsRead, .callsRead, .filesRead,
                    .emailRead, .analyticsRead, .toolsRead]
        }
    }

    /// API-key scopes and the permissions each grants. Keys act inside their own workspace only and
    /// never manage members, keys or the workspace itself.
    static let scopes: [String: Set<Permission>] = [
        "jobs:read": [.jobsRead],
        "jobs:write": [.jobsRead, .jobsWrite],
        "workspace:read": [.workspaceRead, .membersRead],
        "assistants:read": [.assistantsRead, .phoneNumbersRead],
        "assistants:write": [.assistantsRead, .assistantsWrite, .phoneNumbersRead],
        "credits:read": [.creditsRead],
        "calls:read": [.callsRead],
        "calls:write": [.callsRead, .callsWrite],
        "files:read": [.filesRead],
        "files:write": [.filesRead, .filesWrite],
        "email:read": [.emailRead],
        "email:write": [.emailRead, .emailSend],
        "analytics:read": [.analyticsRead],
        "tools:read": [.toolsRead],
        "tools:invoke": [.toolsRead, .toolsInvoke, .jobsRead],
        "tools:write": [.toolsRead, .toolsWrite, .toolsInvoke, .jobsRead],
        "webhooks:read": [.webhooksRead],
        "webhooks:write": [.webhooksRead, .webhooksManage],
    ]

    static func granted(toScopes scopes: [String]) -> Set<Permission> {
        scopes.reduce(into: Set<Permission>()) { $0.formUnion(Self.scopes[$1] ?? []) }
    }
}
