import Foundation
import Logging
import PostgresNIO

/// What one campaign email is made of: the template (the workspace's own by that name, else the
/// built-in) and each recipient's variables — the campaign's, the recipient's own, and `email`,
/// `name` and `unsubscribe_url`, which every campaign template may use.
public enum CampaignMessage {
    public static let recipientVariables = ["email", "name", "unsubscribe_url"]

    public static func template(named name: String, workspaceID: UUID, templates: EmailTemplates, on connection: PostgresConnection,
                                logger: Logger) async throws -> EmailTemplate? {
        if let own = try await EmailStore.templateOverride(workspaceID: workspaceID, name: name, on: connection, logger: logger) {
            return try EmailTemplate(name: name, subject: own.subject, text: own.text, html: own.html)
        }
        return templates.template(named: name)
    }

    public static func variables(campaign: [String: TemplateValue], recipient: CampaignRecipient,
                                 unsubscribeURL: String) -> [String: TemplateValue] {
        var variables = campaign.merging(recipient.variables) { _, own in own }
        variables["email"] = .string(recipient.address)
        variables["name"] = .string(recipient.name ?? "")
        variables["unsubscribe_url"] = .string(unsubscribeURL)
        return variables
    }

    /// `APP_URL/unsubscribe?token=…`, the token sealing the workspace and the address.
    public static func unsubscribeURL(workspaceID: UUID, address: String, mail: MailConfiguration, sealer: SecretSealer?) -> String {
        guard let sealer, let token = try? sealer.token(["w": workspaceID.uuidString.lowercased(), "a": address.lowercased()]) else {
            return mail.appURL
        }
        return "\(mail.appURL)/unsubscribe?token=\(token)"
    }
}
