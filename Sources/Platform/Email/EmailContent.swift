import Foundation

/// The variables of one built-in email template, as a type: whoever enqueues the email must give
/// every one of them, and `EmailTemplates.load` checks at startup that the template files use no
/// other (rendering `sample`). Keys are snake_case in the templates (`first_name`).
public protocol EmailContent: Codable, Sendable {
    /// The template's name: files `templates/email/<name>.{subject,text,html}.mustache`.
    static var template: String { get }
    /// Example values, for the startup check, tests and previews.
    static var sample: Self { get }
}

extension EmailContent {
    /// The variables as templates see them.
    public func variables() throws -> [String: TemplateValue] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try JSONDecoder().decode([String: TemplateValue].self, from: encoder.encode(self))
    }
}

/// Sent after registration.
public struct WelcomeEmail: EmailContent {
    public static let template = "welcome"
    public static let sample = WelcomeEmail(firstName: "Ada", email: "ada@example.com")
    public var firstName: String
    public var email: String

    public init(firstName: String, email: String) {
        self.firstName = firstName
        self.email = email
    }
}

/// The link that sets a new password; `resetURL` carries the single-use token.
public struct PasswordResetEmail: EmailContent {
    public static let template = "password_reset"
    public static let sample = PasswordResetEmail(firstName: "Ada", resetURL: "https://app.example.com/reset-password?token=…",
                                                  validMinutes: 60)
    public var firstName: String
    public var resetURL: String
    public var validMinutes: Int

    public init(firstName: String, resetURL: String, validMinutes: Int) {
        self.firstName = firstName
        self.resetURL = resetURL
        self.validMinutes = validMinutes
    }
}

/// An invitation to join a workspace; `acceptURL` carries the invite token.
public struct TeamInviteEmail: EmailContent {
    public static let template = "team_invite"
    public static let sample = TeamInviteEmail(inviterName: "Ada Lovelace", workspaceName: "Analytical Engines", role: "member",
                                               acceptURL: "https://app.example.com/invites/accept?token=…", validDays: 7)
    public var inviterName: String
    public var workspaceName: String
    public var role: String
    public var acceptURL: String
    public var validDays: Int

    public init(inviterName: String, workspaceName: String, role: String, acceptURL: String, validDays: Int) {
        self.inviterName = inviterName
        self.workspaceName = workspaceName
        self.role = role
        self.acceptURL = acceptURL
        self.validDays = validDays
    }
}

/// A workspace's balance fell below a threshold (`thresholdPercent` of its reference balance, or zero).
public struct CreditWarningEmail: EmailContent {
    public static let template = "credit_warning"
    public static let sample = CreditWarningEmail(workspaceName: "Analytical Engines", thresholdPercent: 20, balance: "1,250.000",
                                                  reference: "10,000.000", depleted: false)
    public var workspaceName: String
    public var thresholdPercent: Int
    /// Credits, formatted for reading.
    public var balance: String
    public var reference: String
    /// The balance is at or below zero: calls are refused until credits are added.
    public var depleted: Bool

    public init(workspaceName: String, thresholdPercent: Int, balance: String, reference: String, depleted: Bool) {
        self.workspaceName = workspaceName
        self.thresholdPercent = thresholdPercent
        self.balance = balance
        self.reference = reference
        self.depleted = depleted
    }
}

/// A workspace spent far more in the last hour than it usually does.
public struct UsageAlertEmail: EmailContent {
    public static let template = "usage_alert"
    public static let sample = UsageAlertEmail(workspaceName: "Analytical Engines", lastHour: "120.000", usualHourly: "4.500",
                                               balance: "880.000")
    public var workspaceName: String
    public var lastHour: String
    public var usualHourly: String
    public var balance: String

    public init(workspaceName: String, lastHour: String, usualHourly: String, balance: String) {
        self.workspaceName = workspaceName
        self.lastHour = lastHour
        self.usualHourly = usualHourly
        self.balance = balance
    }
}

/// The periodic usage and billing summary of a workspace.
public struct UsageReportEmail: EmailContent {
    public struct AssistantLine: Codable, Sendable {
        public var name: String
        public var calls: Int
        public var minutes: String

        public init(name: String, calls: Int, minutes: String) {
            self.name = name
            self.calls = calls
            self.minutes = minutes
        }
    }

    public static let template = "usage_report"
    public static let sample = UsageReportEmail(
        workspaceName: "Analytical Engines", period: "2026-11-18 – 2026-11-25", calls: 42, callMinutes: "87.5",
        transcriptionMinutes: "80.1", emails: 1_200, creditsUsed: "512.250", balance: "9,487.750",
        topAssistants: [AssistantLine(name: "Front desk", calls: 30, minutes: "61.0")])
    public var workspaceName: String
    public var period: String
    public var calls: Int
    public var callMinutes: String
    public var transcriptionMinutes: String
    public var emails: Int
    public var creditsUsed: String
    public var balance: String
    public var topAssistants: [AssistantLine]

    public init(workspaceName: String, period: String, calls: Int, callMinutes: String, transcriptionMinutes: String, emails: Int,
                creditsUsed: String, balance: String, topAssistants: [AssistantLine]) {
        self.workspaceName = workspaceName
        self.period = period
        self.calls = calls
        self.callMinutes = callMinutes
        self.transcriptionMinutes = transcriptionMinutes
        self.emails = emails
        self.creditsUsed = creditsUsed
        self.balance = balance
        self.topAssistants = topAssistants
    }
}

/// A personal-data export is ready; the link expires.
public struct GDPRExportReadyEmail: EmailContent {
    public static let template = "gdpr_export_ready"
    public static let sample = GDPRExportReadyEmail(firstName: "Ada", downloadURL: "https://app.example.com/api/me/exports/…",
                                                    expiresAt: "2026-12-02 12:00 UTC")
    public var firstName: String
    public var downloadURL: String
    public var expiresAt: String

    public init(firstName: String, downloadURL: String, expiresAt: String) {
        self.firstName = firstName
        self.downloadURL = downloadURL
        self.expiresAt = expiresAt
    }
}

/// The receipt of an account deletion: what was removed or pseudonymised, per table.
public struct DeletionConfirmationEmail: EmailContent {
    public struct TableCount: Codable, Sendable {
        public var table: String
        public var rows: Int

        public init(table: String, rows: Int) {
            self.table = table
            self.rows = rows
        }
    }

    public static let template = "deletion_confirmation"
    public static let sample = DeletionConfirmationEmail(completedAt: "2026-11-25 12:00 UTC",
                                                         tables: [TableCount(table: "users", rows: 1)])
    public var completedAt: String
    public var tables: [TableCount]

    public init(completedAt: String, tables: [TableCount]) {
        self.completedAt = completedAt
        self.tables = tables
    }
}

/// A webhook endpoint failed too often in a row and no longer receives events.
public struct WebhookDisabledEmail: EmailContent {
    public static let template = "webhook_disabled"
    public static let sample = WebhookDisabledEmail(workspaceName: "Analytical Engines", url: "https://hooks.example.com/voice",
                                                    failures: 25, lastError: "the endpoint answered 503")
    public var workspaceName: String
    public var url: String
    public var failures: Int
    public var lastError: String

    public init(workspaceName: String, url: String, failures: Int, lastError: String) {
        self.workspaceName = workspaceName
        self.url = url
        self.failures = failures
        self.lastError = lastError
    }
}

/// Every built-in template, for the startup check.
public enum BuiltInEmails {
    public static let all: [any EmailContent.Type] = [
        WelcomeEmail.self, PasswordResetEmail.self, TeamInviteEmail.self, CreditWarningEmail.self, UsageAlertEmail.self, UsageReportEmail.self,
        GDPRExportReadyEmail.self, DeletionConfirmationEmail.self, WebhookDisabledEmail.self,
    ]
}
