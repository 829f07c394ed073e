import Foundation
import Logging
import PostgresNIO

/// One change for the audit trail: who (a user or an API key), what, which resource, from where.
public struct AuditEntry: Sendable {
    public var workspaceID: UUID?
    public var actorUserID: UUID?
    public var actorKeyID: UUID?
    /// A dotted verb such as `workspace.update` or `job.cancel`.
    public var action: String
    public var resourceType: String
    public var resourceID: String?
    public var ip: String?
    /// A JSON object with what changed (never secrets).
    public var detailsJSON: String

    public init(workspaceID: UUID?, actorUserID: UUID?, actorKeyID: UUID?, action: String, resourceType: String,
                resourceID: String?, ip: String?, detailsJSON: String = "{}") {
        self.workspaceID = workspaceID
        self.actorUserID = actorUserID
        self.actorKeyID = actorKeyID
        self.action = action
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.ip = ip
        self.detailsJSON = detailsJSON
    }
}

/// A stored audit row.
public struct AuditRecord: Sendable, Codable, Equatable {
    public let id: Int64
    public let workspaceID: UUID?
    public let actorUserID: UUID?
    public let actorKeyID: UUID?
    public let action: String
    public let resourceType: String
    public let resourceID: String?
    public let ip: String?
    public let detailsJSON: String
    public let createdAt: Date
}

/// The audit trail: written in the transaction of the change it records, so neither exists alone.
public enum AuditLog {
    public static func record(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO audit_log (workspace_id, actor_user_id, actor_key_id, action, resource_type, resource_id, ip, details)
            VALUES (\(entry.workspaceID), \(entry.actorUserID), \(entry.actorKeyID), \(entry.action), \(entry.resourceType),
                    \(entry.resourceID), \(entry.ip), \(entry.detailsJSON)::jsonb)
            """, logger: logger)
    }

    /// A workspace's entries, newest first; `beforeID` pages backwards.
    public static func entries(workspaceID: UUID, beforeID: Int64?, limit: Int, on connection: PostgresConnection,
                               logger: Logger) async throws -> [AuditRecord] {
        let rows = try await connection.query("""
            SELECT id, workspace_id, actor_user_id, actor_key_id, action, resource_type, resource_id, ip, details::text, created_at
            FROM audit_log
            WHERE workspace_id = \(workspaceID) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var entries: [AuditRecord] = []
        for try await (id, workspace, user, key, action, type, resource, ip, details, created)
            in rows.decode((Int64, UUID?, UUID?, UUID?, String, String, String?, String?, String, Date).self) {
            entries.append(AuditRecord(id: id, workspaceID: workspace, actorUserID: user, actorKeyID: key, action: action,
                                       resourceType: type, resourceID: resource, ip: ip, detailsJSON: details, createdAt: created))
        }
        return entries
    }
}
