import Foundation
import Logging
import PostgresNIO

/// The email tables: suppressed addresses, unsubscribes and workspaces' own templates.
public enum EmailStore {
    /// Which of `addresses` must not be mailed, with the reason (lower-cased keys): a permanent
    /// rejection anywhere, or an unsubscribe from this workspace's mail (none without a workspace).
    public static func suppressions(of addresses: [String], workspaceID: UUID?, on connection: PostgresConnection,
                                    logger: Logger) async throws -> [String: String] {
        let normalized = addresses.map { $0.lowercased() }
        let rows = try await connection.query("""
            SELECT address, reason FROM email_suppressions WHERE address = ANY(\(normalized)::text[])
            UNION ALL
            SELECT address, 'unsubscribed' FROM email_unsubscribes WHERE workspace_id = \(workspaceID) AND address = ANY(\(normalized)::text[])
            """, logger: logger)
        var found: [String: String] = [:]
        for try await (address, reason) in rows.decode((String, String).self) { found[address] = found[address] ?? reason }
        return found
    }

    /// Records a permanent rejection; the first reason stays.
    public static func suppress(_ address: String, reason: String, provider: String, on connection: PostgresConnection,
                                logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO email_suppressions (address, reason, provider) VALUES (\(address.lowercased()), \(reason), \(provider))
            ON CONFLICT (address) DO NOTHING
            """, logger: logger)
    }

    public static func unsubscribe(_ address: String, workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO email_unsubscribes (workspace_id, address) VALUES (\(workspaceID), \(address.lowercased()))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// A workspace's own version of a template.
    public static func templateOverride(workspaceID: UUID, name: String, on connection: PostgresConnection,
                                        logger: Logger) async throws -> TemplateSource? {
        let rows = try await connection.query("""
            SELECT subject, text_body, html_body FROM email_templates WHERE workspace_id = \(workspaceID) AND name = \(name)
            """, logger: logger)
        for try await (subject, text, html) in rows.decode((String, String, String).self) {
            return TemplateSource(subject: subject, text: text, html: html)
        }
        return nil
    }

    /// The names of a workspace's own templates with when each last changed.
    public static func templateOverrides(workspaceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [(String, Date)] {
        let rows = try await connection.query("""
            SELECT name, updated_at FROM email_templates WHERE workspace_id = \(workspaceID) ORDER BY name
            """, logger: logger)
        var names: [(String, Date)] = []
        for try await row in rows.decode((String, Date).self) { names.append(row) }
        return names
    }

    public static func saveTemplate(workspaceID: UUID, name: String, _ source: TemplateSource, updatedBy: UUID?,
                                    on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO email_templates (workspace_id, name, subject, text_body, html_body, updated_by)
            VALUES (\(workspaceID), \(name), \(source.subject), \(source.text), \(source.html), \(updatedBy))
            ON CONFLICT (workspace_id, name) DO UPDATE SET subject = excluded.subject, text_body = excluded.text_body,
                html_body = excluded.html_body, updated_by = excluded.updated_by, updated_at = now()
            """, logger: logger)
    }

    /// True when the workspace had a version of that name.
    public static func deleteTemplate(workspaceID: UUID, name: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            DELETE FROM email_templates WHERE workspace_id = \(workspaceID) AND name = \(name) RETURNING name
            """, logger: logger)
        for try await _ in rows.decode(String.self) { return true }
        return false
    }
}
