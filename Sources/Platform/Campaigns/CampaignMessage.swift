import Foundation
import Logging
import PostgresNIO

/// What one campaign email is made of: the template (the workspace's own by that name, else the
/// built-in) and each recipient's variables — the campaign's, the recipient's own, and `email`,
/// `name` and `unsubscribe_url`, which every campaign template may use.
public enum CampaignMessage {
    public static let recipientVariables = ["email", "name", "unsubscribe_url"]

    public static func template(named name: String, workspaceID: UUID, templates: EmailTemplates, on connection: PostgresConnection,
                                logger: Logger) async throws -> WorkspaceTemplate? {
        let template = try await WorkspaceTemplate.resolve(name, workspaceID: workspaceID, templates: templates, on: connection, logger: logger)
        return template.primary == nil ? nil : template
    }

    public static func variables(campaign: [String: TemplateValue], recipient: CampaignRecipient,
                                 unsubscribeURL: String) -> [String: TemplateValue] {
        var variables = campaign.merging(recipient.variables) { _, own in own }
        variables["email"] = .string(recipient.address)
        variables["name"] = .string(recipient.name ?? "")
        variables["unsubscribe_url"] = .string(unsubscribeURL)
        return variables
    }

    /// `PUBLIC_BASE_URL/unsubscribe?token=…`, the token sealing the workspace and the address.
    public static func unsubscribeURL(workspaceID: UUID, address: String, mail: MailConfiguration, sealer: SecretSealer?) -> String {
        guard let sealer, let token = try? sealer.token(["w": workspaceID.uuidString.lowercased(), "a": address.lowercased()]) else {
            return mail.appURL
        }
        return "\(mail.apiURL)/unsubscribe?token=\(token)"
    }

    /// The workspace and address an unsubscribe token names, or nil when it does not open.
    public static func unsubscribeSubject(token: String, sealer: SecretSealer) -> (workspaceID: UUID, address: String)? {
        guard let fields = try? sealer.openToken(token), let workspace = fields["w"].flatMap(UUID.init(uuidString:)),
              let address = fields["a"] else { return nil }
        return (workspace, address)
    }
}
