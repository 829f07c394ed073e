/// A member's role in a workspace, strongest first. What each role may do is the API's permission
/// table; the store only records who holds which role.
public enum WorkspaceRole: String, Sendable, Codable, CaseIterable, Comparable {
    case owner, admin, member, viewer

    /// Owner < Admin < Member < Viewer in strength order, so `min` is the strongest.
    public static func < (lhs: WorkspaceRole, rhs: WorkspaceRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
