import Foundation
import Logging
import PostgresNIO

/// Workspaces, their members and invites. Every query takes the caller's connection.
public enum WorkspaceStore {
    static let workspaceColumns = "w.id, w.name, w.description, w.created_at, w.updated_at"

    /// Creates a workspace with `ownerID` as its first Owner.
    public static func create(name: String, description: String, ownerID: UUID, on connection: PostgresConnection,
                              logger: Logger) async throws -> WorkspaceRecord {
        let rows = try await connection.query("""
            WITH w AS (
                INSERT INTO workspaces (name, description) VALUES (\(name), \(description))
                RETURNING *
            ), m AS (
                INSERT INTO workspace_members (workspace_id, user_id, role)
                SELECT id, \(ownerID), 'owner' FROM w
            )
            SELECT \(unescaped: workspaceColumns) FROM w
            """, logger: logger)
        guard let workspace = try await decodeWorkspaces(rows).first else {
            throw StoreInvariantError.insertReturnedNothing
        }
        return workspace
    }

    /// The workspaces `userID` belongs to, with the user's role in each.
    public static func list(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [(WorkspaceRecord, WorkspaceRole)] {
        let rows = try await connection.query("""
            SELECT \(unescaped: workspaceColumns), m.role::text
            FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
            WHERE m.user_id = \(userID)
            ORDER BY w.created_at, w.id
            """, logger: logger)
        var result: [(WorkspaceRecord, WorkspaceRole)] = []
        for try await (id, name, description, created, updated, role) in rows.decode((UUID, String, String, Date, Date, String).self) {
            result.append((WorkspaceRecord(id: id, name: name, description: description, createdAt: created, updatedAt: updated),
                           WorkspaceRole(rawValue: role) ?? .viewer))
        }
        return result
    }

    public static func workspace(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> WorkspaceRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: workspaceColumns) FROM workspaces w WHERE w.id = \(id)", logger: logger)
        return try await decodeWorkspaces(rows).first
    }

    /// The user's role in the workspace; nil when not a member (or no such workspace).
    public static func role(of userID: UUID, in workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> WorkspaceRole? {
        let rows = try await connection.query(
            "SELECT role::text FROM workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID)",
            logger: logger)
        for try await role in rows.decode(String.self) { return WorkspaceRole(rawValue: role) }
        return nil
    }

    public static func update(id: UUID, name: String?, description: String?, on connection: PostgresConnection,
                              logger: Logger) async throws -> WorkspaceRecord? {
        let rows = try await connection.query("""
            UPDATE workspaces w SET name = COALESCE(\(name), w.name), description = COALESCE(\(description), w.description),
                updated_at = now()
            WHERE w.id = \(id)
            RETURNING \(unescaped: workspaceColumns)
            """, logger: logger)
        return try await decodeWorkspaces(rows).first
    }

    /// Deletes the workspace and, by cascade, its members, invites and keys.
    public static func delete(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("DELETE FROM workspaces WHERE id = \(id) RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    // MARK: Members

    public static func members(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [MemberRecord] {
        let rows = try await connection.query("""
            SELECT u.id, u.email, u.first_name, u.last_name, m.role::text, m.created_at
            FROM workspace_members m JOIN users u ON u.id = m.user_id
            WHERE m.workspace_id = \(workspaceID)
            ORDER BY m.created_at, u.id
            """, logger: logger)
        var members: [MemberRecord] = []
        for try await (id, email, first, last, role, joined) in rows.decode((UUID, String, String, String, String, Date).self) {
            members.append(MemberRecord(userID: id, email: email, firstName: first, lastName: last,
                                        role: WorkspaceRole(rawValue: role) ?? .viewer, joinedAt: joined))
        }
        return members
    }

    /// Adds a member; false when the user already is one.
    public static func addMember(workspaceID: UUID, userID: UUID, role: WorkspaceRole, on connection: PostgresConnection,
                                 logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO workspace_members (workspace_id, user_id, role)
            VALUES (\(workspaceID), \(userID), \(role.rawValue)::workspace_role)
            ON CONFLICT DO NOTHING
            RETURNING user_id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Why a membership change was refused.
    public enum MembershipChange: Sendable, Equatable {
        case done
        case notAMember
        /// The change would leave the workspace without an Owner.
        case lastOwner
    }

    /// Changes a member's role, or removes the member when `role` is nil. The workspace's Owner rows
    /// are locked first, so two concurrent demotions cannot both pass the last-Owner check.
    public static func changeMember(workspaceID: UUID, userID: UUID, to role: WorkspaceRole?, on connection: PostgresConnection,
                                    logger: Logger) async throws -> MembershipChange {
        let owners = try await connection.query("""
            SELECT user_id FROM workspace_members
            WHERE workspace_id = \(workspaceID) AND role = 'owner'
            ORDER BY user_id FOR UPDATE
            """, logger: logger)
        var ownerIDs: Set<UUID> = []
        for try await id in owners.decode(UUID.self) { ownerIDs.insert(id) }
        if ownerIDs == [userID], role != .owner { return .lastOwner }
        let rows: PostgresRowSequence
        if let role {
            rows = try await connection.query("""
                UPDATE workspace_members SET role = \(role.rawValue)::workspace_role
                WHERE workspace_id = \(workspaceID) AND user_id = \(userID) RETURNING user_id
                """, logger: logger)
        } else {
            rows = try await connection.query(
                "DELETE FROM workspace_members WHERE workspace_id = \(workspaceID) AND user_id = \(userID) RETURNING user_id",
                logger: logger)
        }
        for try await _ in rows.decode(UUID.self) { return .done }
        return .notAMember
    }

    // MARK: Invites

    public static func createInvite(
        workspaceID: UUID, email: String, role: WorkspaceRole, tokenHash: Data, invitedBy: UUID?, expiresAt: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> InviteRecord {
        let rows = try await connection.query("""
            INSERT INTO workspace_invites (workspace_id, email, role, token_hash, invited_by, expires_at)
            VALUES (\(workspaceID), \(email), \(role.rawValue)::workspace_role, \(tokenHash), \(invitedBy), \(expiresAt))
            RETURNING \(unescaped: inviteColumns)
            """, logger: logger)
        guard let invite = try await decodeInvites(rows).first else { throw StoreInvariantError.insertReturnedNothing }
        return invite
    }

    public static func invites(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [InviteRecord] {
        let rows = try await connection.query("""
            SELECT \(unescaped: inviteColumns) FROM workspace_invites
            WHERE workspace_id = \(workspaceID) AND accepted_at IS NULL AND expires_at > now()
            ORDER BY created_at, id
            """, logger: logger)
        return try await decodeInvites(rows)
    }

    public static func revokeInvite(workspaceID: UUID, id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM workspace_invites WHERE workspace_id = \(workspaceID) AND id = \(id) AND accepted_at IS NULL RETURNING id",
            logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Marks a pending, unexpired invite for `email` accepted and returns it; nil when the token does
    /// not name such an invite. The caller adds the membership in the same transaction.
    public static func acceptInvite(tokenHash: Data, email: String, on connection: PostgresConnection, logger: Logger) async throws -> InviteRecord? {
        let rows = try await connection.query("""
            UPDATE workspace_invites SET accepted_at = now()
            WHERE token_hash = \(tokenHash) AND accepted_at IS NULL AND expires_at > now()
              AND lower(email) = lower(\(email))
            RETURNING \(unescaped: inviteColumns)
            """, logger: logger)
        return try await decodeInvites(rows).first
    }

    static let inviteColumns = "id, workspace_id, email, role::text, expires_at, accepted_at, created_at"

    static func decodeInvites(_ rows: PostgresRowSequence) async throws -> [InviteRecord] {
        var invites: [InviteRecord] = []
        for try await (id, workspace, email, role, expires, accepted, created) in rows.decode((UUID, UUID, String, String, Date, Date?, Date).self) {
            invites.append(InviteRecord(id: id, workspaceID: workspace, email: email, role: WorkspaceRole(rawValue: role) ?? .viewer,
                                        expiresAt: expires, acceptedAt: accepted, createdAt: created))
        }
        return invites
    }

    static func decodeWorkspaces(_ rows: PostgresRowSequence) async throws -> [WorkspaceRecord] {
        var workspaces: [WorkspaceRecord] = []
        for try await (id, name, description, created, updated) in rows.decode((UUID, String, String, Date, Date).self) {
            workspaces.append(WorkspaceRecord(id: id, name: name, description: description, createdAt: created, updatedAt: updated))
        }
        return workspaces
    }
}

