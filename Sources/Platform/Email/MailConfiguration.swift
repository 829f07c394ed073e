import Foundation
import Providers
import ServerSupport

/// What every email shares: the sender, the links' base address, the template folder, and the
/// ordered providers with their cool-down.
public struct MailConfiguration: Sendable {
    public var from: EmailAddress
    /// The web app's address; links in emails (reset, invites, exports) start with it.
    public var appURL: String
    /// The API's public origin (`PUBLIC_BASE_URL`): unsubscribe links point at its `/unsubscribe`,
    /// which mail clients POST to for one-click unsubscribes (RFC 8058).
    public var apiURL: String
    public var appName: String
    public var templatesFolder: URL
    public var providerOrder: [String]
    public var cooldown: Duration
    public var campaigns: CampaignSettings

    public init(from: EmailAddress = EmailAddress("no-reply@localhost", name: "VoicePartnerAI"), appURL: String = "http://127.0.0.1:8080",
                apiURL: String = "http://127.0.0.1:8080", appName: String = "VoicePartnerAI",
                templatesFolder: URL = URL(fileURLWithPath: "templates", isDirectory: true),
                providerOrder: [String] = ["smtp", "sendgrid", "ses"], cooldown: Duration = .seconds(60),
                campaigns: CampaignSettings = CampaignSettings()) {
        self.from = from
        self.appURL = appURL.hasSuffix("/") ? String(appURL.dropLast()) : appURL
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.appName = appName
        self.templatesFolder = templatesFolder
        self.providerOrder = providerOrder
        self.cooldown = cooldown
        self.campaigns = campaigns
    }

    /// From `MAIL_FROM` (`Name <address>` or an address), `APP_URL`, `APP_NAME`, `TEMPLATES_DIR`,
    /// `MAIL_PROVIDERS` (comma-separated order; unconfigured ones are left out) and `MAIL_COOLDOWN_MS`.
    public init(environment: Environment) throws {
        let defaults = MailConfiguration()
        var from = defaults.from
        if let text = environment["MAIL_FROM"], !text.isEmpty {
            guard let parsed = Self.parseMailbox(text) else {
                throw ConfigurationError("MAIL_FROM", "expected an address or Name <address>")
            }
            from = parsed
        }
        let appURL = environment.string("APP_URL", default: defaults.appURL)
        guard let url = URL(string: appURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError("APP_URL", "expected an http(s) URL")
        }
        let order = environment.string("MAIL_PROVIDERS", default: defaults.providerOrder.joined(separator: ","))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for name in order where !defaults.providerOrder.contains(name) {
            throw ConfigurationError("MAIL_PROVIDERS", "unknown provider \(name); expected smtp, sendgrid or ses")
        }
        self.init(from: from, appURL: appURL, apiURL: environment.string("PUBLIC_BASE_URL", default: defaults.apiURL),
                  appName: environment.string("APP_NAME", default: defaults.appName),
                  templatesFolder: URL(fileURLWithPath: environment.string("TEMPLATES_DIR", default: "templates"), isDirectory: true),
                  providerOrder: order, cooldown: try environment.milliseconds("MAIL_COOLDOWN_MS", default: defaults.cooldown),
                  campaigns: try CampaignSettings(environment: environment))
    }

    /// A Message-ID (without angle brackets) in the sender's domain: `<local>@<domain>`.
    public func messageID(_ local: String) -> String {
        "\(local)@\(from.address.split(separator: "@").last.map(String.init) ?? "localhost")"
    }

    /// The variables every template may use.
    public var globals: [String: TemplateValue] {
        ["app_name": .string(appName), "app_url": .string(appURL)]
    }

    static func parseMailbox(_ text: String) -> EmailAddress? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let name = trimmed[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
            guard SMTPMailer.isSafeAddress(address) else { return nil }
            return EmailAddress(address, name: name.isEmpty ? nil : name)
        }
        return SMTPMailer.isSafeAddress(trimmed) ? EmailAddress(trimmed) : nil
    }
}
