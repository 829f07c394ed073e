import Foundation
import Logging
import PostgresNIO
import QueueEngine

/// How each table holding a user's data is treated when the user is deleted: rows deleted, or
/// kept with the user replaced by a pseudonym (the request's id) and identifying values cleared.
/// Every step is one idempotent statement run in batches, so a deletion stopped anywhere resumes
/// where it stood and a finished one changes nothing when run again. `handledColumns` names every
/// user or address column a step covers; a test compares it with the database catalog, so a new
/// table with such a column cannot be forgotten.
public enum PersonalDataDeletion {
    public struct Step: Sendable {
        /// The receipt's name for it, e.g. `audit_log (pseudonymised)`.
        public let name: String
        public let columns: [String]
        /// One batch: affects at most `limit` rows, answers how many it did.
        public let batch: @Sendable (_ user: UUID, _ email: String, _ pseudonym: UUID, _ limit: Int) -> PostgresQuery
    }

    /// Columns that hold a user id or an address and are deliberately kept: the request table keys
    /// the (pseudonymous) receipt by the user's former id.
    public static let keptColumns: Set<String> = ["gdpr_requests.user_id", "gdpr_requests.subject_email"]

    public static var handledColumns: Set<String> { Set(steps.flatMap(\.columns)) }

    public static let steps: [Step] = [
        Step(name: "refresh_tokens (deleted)", columns: ["refresh_tokens.user_id"]) { user, _, _, limit in
            """
            WITH doomed AS (SELECT id FROM refresh_tokens WHERE user_id = \(user) LIMIT \(limit)) \
            DELETE FROM refresh_tokens t USING doomed WHERE t.id = doomed.id
            """
        },
        Step(name: "password_resets (deleted)", columns: ["password_resets.user_id"]) { user, _, _, limit in
            """
            WITH doomed AS (SELECT id FROM password_resets WHERE user_id = \(user) LIMIT \(limit)) \
            DELETE FROM password_resets r USING doomed WHERE r.id = doomed.id
            """
        },
        Step(name: "workspace_invites (deleted)", columns: ["workspace_invites.email"]) { _, email, _, limit in
            """
            WITH doomed AS (SELECT id FROM workspace_invites WHERE lower(email) = lower(\(email)) LIMIT \(limit))
            DELETE FROM workspace_invites i USING doomed WHERE i.id = doomed.id
            """
        },
        Step(name: "workspace_invites (sender cleared)", columns: ["workspace_invites.invited_by"]) { user, _, _, limit in
            "UPDATE workspace_invites SET invited_by = NULL WHERE id IN (SELECT id FROM workspace_invites WHERE invited_by = \(user) LIMIT \(limit))"
        },
        Step(name: "api_keys (creator cleared)", columns: ["api_keys.created_by"]) { user, _, _, limit in
            "UPDATE api_keys SET created_by = NULL WHERE id IN (SELECT id FROM api_keys WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "audit_log (pseudonymised)", columns: ["audit_log.actor_user_id"]) { user, _, pseudonym, limit in
            """
            UPDATE audit_log SET actor_user_id = \(pseudonym), ip = NULL
            WHERE id IN (SELECT id FROM audit_log WHERE actor_user_id = \(user) LIMIT \(limit))
            """
        },
        Step(name: "audit_log (subject pseudonymised)", columns: []) { user, _, pseudonym, limit in
            """
            UPDATE audit_log SET resource_id = \(pseudonym.uuidString.lowercased())
            WHERE id IN (SELECT id FROM audit_log WHERE resource_type IN ('user', 'member') AND resource_id = \(user.uuidString.lowercased())
                         LIMIT \(limit))
            """
        },
        Step(name: "calls (placer pseudonymised)", columns: ["calls.created_by"]) { user, _, pseudonym, limit in
            "UPDATE calls SET created_by = \(pseudonym) WHERE id IN (SELECT id FROM calls WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "files (uploader pseudonymised)", columns: ["files.created_by"]) { user, _, pseudonym, limit in
            "UPDATE files SET created_by = \(pseudonym) WHERE id IN (SELECT id FROM files WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "tools (creator cleared)", columns: ["tools.created_by"]) { user, _, _, limit in
            "UPDATE tools SET created_by = NULL WHERE id IN (SELECT id FROM tools WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "webhook_endpoints (creator cleared)", columns: ["webhook_endpoints.created_by"]) { user, _, _, limit in
            "UPDATE webhook_endpoints SET created_by = NULL WHERE id IN (SELECT id FROM webhook_endpoints WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "email_campaigns (sender cleared)", columns: ["email_campaigns.created_by"]) { user, _, _, limit in
            "UPDATE email_campaigns SET created_by = NULL WHERE id IN (SELECT id FROM email_campaigns WHERE created_by = \(user) LIMIT \(limit))"
        },
        Step(name: "email_campaign_recipients (pseudonymised)", columns: ["email_campaign_recipients.address"]) { _, email, _, limit in
            """
            UPDATE email_campaign_recipients SET address = 'deleted-' || id || '@deleted.invalid', name = NULL, variables = '{}'
            WHERE id IN (SELECT id FROM email_campaign_recipients WHERE lower(address) = lower(\(email)) LIMIT \(limit))
            """
        },
        Step(name: "email_suppressions (deleted)", columns: ["email_suppressions.address"]) { _, email, _, limit in
            """
            WITH doomed AS (SELECT address FROM email_suppressions WHERE address = lower(\(email)) LIMIT \(limit))
            DELETE FROM email_suppressions s USING doomed WHERE s.address = doomed.address
            """
        },
        Step(name: "email_unsubscribes (deleted)", columns: ["email_unsubscribes.address"]) { _, email, _, limit in
            """
            WITH doomed AS (SELECT workspace_id FROM email_unsubscribes WHERE address = lower(\(email)) LIMIT \(limit))
            DELETE FROM email_unsubscribes u USING doomed WHERE u.workspace_id = doomed.workspace_id AND u.address = lower(\(email))
            """
        },
        Step(name: "email_templates (editor cleared)", columns: ["email_templates.updated_by"]) { user, _, _, limit in
            """
            UPDATE email_templates SET updated_by = NULL
            WHERE (workspace_id, name) IN (SELECT workspace_id, name FROM email_templates WHERE updated_by = \(user) LIMIT \(limit))
            """
        },
        Step(name: "credit_ledger (pseudonymised, kept for billing)", columns: ["credit_ledger.actor_user_id"]) { user, _, pseudonym, limit in
            """
            UPDATE credit_ledger SET actor_user_id = \(pseudonym) \
            WHERE id IN (SELECT id FROM credit_ledger WHERE actor_user_id = \(user) LIMIT \(limit))
            """
        },
        Step(name: "queued emails (cancelled)", columns: []) { _, email, _, limit in
            WaitingJobCancellation.statement(kind: SendEmailJob.name, argumentAt: ["to", "address"], equalsIgnoringCase: email, limit: limit)
        },
        Step(name: "workspace_members (deleted)", columns: ["workspace_members.user_id"]) { user, _, _, limit in
            """
            WITH doomed AS (SELECT workspace_id FROM workspace_members WHERE user_id = \(user) LIMIT \(limit))
            DELETE FROM workspace_members m USING doomed WHERE m.workspace_id = doomed.workspace_id AND m.user_id = \(user)
            """
        },
        Step(name: "users (deleted)", columns: ["users.id", "users.email"]) { user, _, _, _ in
            "DELETE FROM users WHERE id = \(user)"
        },
    ]
}
