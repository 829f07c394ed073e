import Foundation
import Logging
import PostgresNIO
import Providers

/// Everything the platform holds about one user, as JSON documents: one query per document, each
/// answering a JSON value, plus the files the user uploaded. Secrets (password hash, token and key
/// digests) are left out; their existence and dates are not.
public enum PersonalDataExport {
    public struct Section: Sendable {
        public let file: String
        let query: @Sendable (UUID, String) -> PostgresQuery
    }

    /// Wraps a row query so it answers one JSON array.
    static func array(_ file: String, _ query: @escaping @Sendable (UUID, String) -> PostgresQuery) -> Section {
        Section(file: file, query: query)
    }

    public static let sections: [Section] = [
        array("profile.json") { user, _ in
            """
            SELECT coalesce(json_agg(u), '[]')::text \
            FROM (SELECT id, email, first_name, last_name, created_at, updated_at FROM users WHERE id = \(user)) u
            """
        },
        array("memberships.json") { user, _ in
            """
            SELECT coalesce(json_agg(m), '[]')::text FROM (
                SELECT w.id AS workspace_id, w.name AS workspace, m.role, m.created_at AS joined_at
                FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = \(user) ORDER BY m.created_at) m
            """
        },
        array("sessions.json") { user, _ in
            """
            SELECT coalesce(json_agg(t), '[]')::text FROM (
                SELECT created_at, expires_at, used_at, revoked_at FROM refresh_tokens WHERE user_id = \(user) ORDER BY created_at) t
            """
        },
        array("password_resets.json") { user, _ in
            """
            SELECT coalesce(json_agg(r), '[]')::text FROM (
                SELECT created_at, expires_at, used_at, requested_ip FROM password_resets WHERE user_id = \(user) ORDER BY created_at) r
            """
        },
        array("api_keys.json") { user, _ in
            """
            SELECT coalesce(json_agg(k), '[]')::text FROM (
                SELECT id, workspace_id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys
                WHERE created_by = \(user) ORDER BY created_at) k
            """
        },
        array("invites.json") { user, email in
            """
            SELECT coalesce(json_agg(i), '[]')::text FROM (
                SELECT id, workspace_id, email, role, invited_by, expires_at, accepted_at, created_at FROM workspace_invites
                WHERE invited_by = \(user) OR lower(email) = lower(\(email)) ORDER BY created_at) i
            """
        },
        array("audit_log.json") { user, _ in
            """
            SELECT coalesce(json_agg(a), '[]')::text FROM (
                SELECT id, workspace_id, actor_user_id, actor_key_id, action, resource_type, resource_id, ip, details, created_at FROM audit_log
                WHERE actor_user_id = \(user) OR (resource_type IN ('user', 'member') AND resource_id = \(user.uuidString.lowercased()))
                ORDER BY id) a
            """
        },
        array("calls.json") { user, _ in
            """
            SELECT coalesce(json_agg(c), '[]')::text FROM (
                SELECT id, workspace_id, assistant_id, direction, to_number, from_number, status, status_reason, duration_seconds, cost,
                       recording_url, transcript_text, transcript_language, transcript_segments, created_at, answered_at, ended_at
                FROM calls WHERE created_by = \(user) ORDER BY created_at) c
            """
        },
        array("files.json") { user, _ in
            """
            SELECT coalesce(json_agg(f), '[]')::text FROM (
                SELECT id, workspace_id, name, content_type, format, size_bytes, sha256, status, text, pages, created_at,
                       'files/' || id || '-' || regexp_replace(name, '[^A-Za-z0-9._-]', '_', 'g') AS archive_path
                FROM files WHERE created_by = \(user) ORDER BY created_at) f
            """
        },
        array("tools.json") { user, _ in
            """
            SELECT coalesce(json_agg(t), '[]')::text FROM (
                SELECT id, workspace_id, name, description, category, method, url, auth_type, created_at, updated_at FROM tools
                WHERE created_by = \(user) ORDER BY created_at) t
            """
        },
        array("webhooks.json") { user, _ in
            """
            SELECT coalesce(json_agg(h), '[]')::text FROM (
                SELECT id, workspace_id, url, description, events, enabled, created_at, updated_at FROM webhook_endpoints
                WHERE created_by = \(user) ORDER BY created_at) h
            """
        },
        array("email_campaigns.json") { user, _ in
            """
            SELECT coalesce(json_agg(c), '[]')::text FROM (
                SELECT id, workspace_id, name, template, variables, state, total, created_at, completed_at FROM email_campaigns
                WHERE created_by = \(user) ORDER BY created_at) c
            """
        },
        array("email_received.json") { _, email in
            """
            SELECT coalesce(json_agg(r), '[]')::text FROM (
                SELECT c.workspace_id, c.name AS campaign, r.address, r.state, r.updated_at FROM email_campaign_recipients r
                JOIN email_campaigns c ON c.id = r.campaign_id WHERE lower(r.address) = lower(\(email)) ORDER BY r.id) r
            """
        },
        array("email_preferences.json") { _, email in
            """
            SELECT json_build_object(
                'suppressed', (SELECT coalesce(json_agg(s), '[]') FROM email_suppressions s WHERE s.address = lower(\(email))),
                'unsubscribed', (SELECT coalesce(json_agg(u), '[]') FROM email_unsubscribes u WHERE u.address = lower(\(email))))::text
            """
        },
        array("credit_ledger.json") { user, _ in
            """
            SELECT coalesce(json_agg(l), '[]')::text FROM (
                SELECT id, workspace_id, kind, amount, balance_after, reference, description, created_at FROM credit_ledger
                WHERE actor_user_id = \(user) ORDER BY id) l
            """
        },
        array("privacy_requests.json") { user, _ in
            """
            SELECT coalesce(json_agg(g), '[]')::text FROM (
                SELECT id, kind, state, due_at, created_at, completed_at FROM gdpr_requests WHERE user_id = \(user) ORDER BY created_at) g
            """
        },
    ]

    /// The user's uploaded files still in storage: archive path and storage key.
    static func files(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [(path: String, key: String)] {
        let rows = try await connection.query("""
            SELECT 'files/' || id || '-' || regexp_replace(name, '[^A-Za-z0-9._-]', '_', 'g'), storage_key FROM files
            WHERE created_by = \(userID) ORDER BY created_at
            """, logger: logger)
        var found: [(String, String)] = []
        for try await row in rows.decode((String, String).self) { found.append(row) }
        return found
    }

    /// Builds the archive: a README, one JSON document per section, and the original files.
    public static func archive(userID: UUID, email: String, storage: any FileStorage, on connection: PostgresConnection,
                               logger: Logger) async throws -> Data {
        var zip = try ZipArchive()
        try zip.add("README.txt", Data("""
            Personal data held by VoicePartnerAI about user \(userID.uuidString.lowercased()) (\(email)), exported \(Date()).
            Each .json file is one kind of record; files/ holds the documents you uploaded.
            Secrets (password hashes, token and key digests) are not included.

            """.utf8))
        for section in sections {
            let rows = try await connection.query(section.query(userID, email), logger: logger)
            var json = "[]"
            for try await text in rows.decode(String.self) { json = text }
            try zip.add(section.file, Data(json.utf8))
        }
        for file in try await files(userID: userID, on: connection, logger: logger) {
            do {
                let data = try await storage.withLocalFile(key: file.key) { try Data(contentsOf: $0) }
                try zip.add(file.path, data)
            } catch let full as ZipArchive.Full {
                try? zip.add(file.path + ".not-included.txt",
                             Data("The file did not fit in this export: \(full). Download it from the platform.\n".utf8))
            } catch {
                try? zip.add(file.path + ".missing.txt", Data("The stored file could not be read: \(error)\n".utf8))
            }
        }
        return zip.finished()
    }
}
