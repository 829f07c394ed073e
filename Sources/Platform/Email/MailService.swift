import Foundation
import Providers
import ServerSupport

/// Everything the email job kinds need: the failover mailer, the checked templates, the shared
/// configuration and the key that opens sealed variables.
public struct MailService: Sendable {
    public let configuration: MailConfiguration
    public let templates: EmailTemplates
    public let mailer: FailoverMailer
    public let sealer: SecretSealer?

    public init(configuration: MailConfiguration, templates: EmailTemplates, mailer: FailoverMailer, sealer: SecretSealer?) {
        self.configuration = configuration
        self.templates = templates
        self.mailer = mailer
        self.sealer = sealer
    }

    /// Loads and checks the templates (a broken folder stops the process here, not at send time)
    /// and builds the providers named in `MAIL_PROVIDERS` that are configured, in that order, each
    /// with its limits (`SMTP_|SENDGRID_|SES_` + `RATE_PER_SECOND`, `CONCURRENCY`).
    public init(environment: Environment) throws {
        let configuration = try MailConfiguration(environment: environment)
        var providers: [any MailProvider] = []
        var limits: [String: MailProviderLimits] = [:]
        for name in configuration.providerOrder {
            limits[name] = try MailProviderLimits.from(environment, prefix: name.uppercased())
            switch name {
            case "smtp":
                if let smtp = try SMTPConfiguration.from(environment) { providers.append(SMTPMailer(configuration: smtp)) }
            case "sendgrid":
                if let sendGrid = try SendGridConfiguration.from(environment) { providers.append(SendGridMailer(configuration: sendGrid)) }
            case "ses":
                if let ses = try SESConfiguration.from(environment) { providers.append(SESMailer(configuration: ses)) }
            default:
                break
            }
        }
        self.init(configuration: configuration,
                  templates: try EmailTemplates.load(folder: configuration.templatesFolder, globals: configuration.globals),
                  mailer: FailoverMailer(providers: providers, cooldown: configuration.cooldown, limits: limits),
                  sealer: try SecretSealer.from(environment))
    }

    /// The same service with its providers' rates (and campaign pacing) shared through `throttle`.
    public func throttled(by throttle: any SendThrottle) -> MailService {
        MailService(configuration: configuration, templates: templates, mailer: mailer.throttled(by: throttle), sealer: sealer)
    }

    /// Why a worker cannot send mail (no service, or no provider configured), or nil when it can.
    public static func unavailableReason(_ mail: MailService?) -> String? {
        guard let mail, !mail.mailer.providers.isEmpty else {
            return "no mail provider is configured in this worker (MAIL_PROVIDERS, SMTP_HOST, SENDGRID_API_KEY, SES_*)"
        }
        return nil
    }
}
