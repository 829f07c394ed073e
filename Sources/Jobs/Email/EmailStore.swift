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

    /// A workspace's own version of a template: subject, text and HTML sources.
    public static func templateOverride(workspaceID: UUID, name: String, on connection: PostgresConnection,
                                        logger: Logger) async throws -> (subject: String, text: String, html: String)? {
        let rows = try await connection.query("""
            SELECT subject, text_body, html_body FROM email_templates WHERE workspace_id = \(workspaceID) AND name = \(name)
            """, logger: logger)
        for try await (subject, text, html) in rows.decode((String, String, String).self) { return (subject, text, html) }
        return nil
    }
}
